/* near.h - assert_near(actual, expected, abs_tol, rel_tol) for cmocka 1.1.5, which has no
 * assert_double_equal.  Passes when |a - e| <= abs_tol + rel_tol * |e|; prints both on failure. */
#ifndef GB_TESTS_SUPPORT_NEAR_H
#define GB_TESTS_SUPPORT_NEAR_H

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#define assert_near(actual, expected, abs_tol, rel_tol)                                           \
    do {                                                                                          \
        double a_ = (actual), e_ = (expected);                                                    \
        double tol_ = (abs_tol) + (rel_tol)*fabs(e_);                                             \
        if (!(fabs(a_ - e_) <= tol_) && !(a_ == e_))                                              \
            fail_msg("%s = %.17g, expected %.17g (|diff| %.3g > tol %.3g)", #actual, a_, e_,      \
                     fabs(a_ - e_), tol_);                                                        \
    } while (0)

#endif
