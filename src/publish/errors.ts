// A build failure with a message meant for the person running the build
// (bad page names, broken links, a BUILD_DIR that is not safe to replace):
// build.ts prints it and exits 1, without a stack trace.
export class BuildError extends Error {
  override name = 'BuildError';
}
