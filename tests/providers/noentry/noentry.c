/* noentry: a shared object named as a provider that exports no provider entry point. */
__attribute__((visibility("default"))) int noentry_present(void) { return 1; }
