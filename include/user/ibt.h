/* Cases of the ring-3 IBT program. */
#ifndef CETBED_USER_IBT_H
#define CETBED_USER_IBT_H

#define IB_CALL_ENDBR 0	    /* indirect call to a function with ENDBR64 */
#define IB_CALL_NO_ENDBR 1  /* indirect call to a target without it */
#define IB_JMP_NO_ENDBR 2   /* indirect jump to a target without it */
#define IB_NOTRACK_CALL 3   /* NOTRACK indirect call to a target without it */
#define IB_LEGACY_SET 4	    /* legacy bitmap on, the target's page marked */
#define IB_LEGACY_CLEAR 5   /* legacy bitmap on, the target's page not marked */
#define IB_STEP_NO_ENDBR 6  /* single-step #DB between an indirect call and a target without ENDBR64 */
#define IB_STEP_ENDBR 7	    /* the same, target with ENDBR64 */

#endif
