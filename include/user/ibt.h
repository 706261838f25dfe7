/* Cases of the ring-3 IBT program. */
#ifndef CETBED_USER_IBT_H
#define CETBED_USER_IBT_H

#define IB_CALL_ENDBR 0	    /* indirect call to a function with ENDBR64 */
#define IB_CALL_NO_ENDBR 1  /* indirect call to a target without it */
#define IB_JMP_NO_ENDBR 2   /* indirect jump to a target without it */
#define IB_NOTRACK_CALL 3   /* NOTRACK indirect call to a target without it */

#endif
