/**
 * Preloaded (--require) into a server started with --cpu-prof. Node writes the profile only on a
 * normal exit, while Nest's shutdown hook ends the process by re-raising the signal; exiting here
 * first makes SIGTERM a normal exit.
 */
process.on('SIGTERM', () => process.exit(0));
