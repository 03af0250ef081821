// The name and version baked into the binary at build time (build/options.ts).
declare const BUILD_VERSION: string | undefined;
declare const BUILD_COMMIT: string | undefined;

export const NAME = "git-credential-codecommit";
export const VERSION = typeof BUILD_VERSION === "string" ? BUILD_VERSION : "0.0.0-dev";
export const COMMIT = typeof BUILD_COMMIT === "string" ? BUILD_COMMIT : "source";
