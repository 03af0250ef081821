/** The compiled helper that `npm run build` writes. */
export const BINARY = `${import.meta.dir}/../../dist/git-credential-codecommit${process.platform === "win32" ? ".exe" : ""}`;
