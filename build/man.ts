// The manual page, doc/git-credential-codecommit.1, with its version and date
// filled in. The date is the commit's (SOURCE_DATE_EPOCH when set, as
// reproducible-builds.org defines it), never today's, so the same commit gives
// the same page and the release archives stay byte-identical.
import { join } from "node:path";

export const MAN_PAGE = "git-credential-codecommit.1";
const SOURCE = join(import.meta.dir, "..", "doc", MAN_PAGE);

/** YYYY-MM-DD in UTC: SOURCE_DATE_EPOCH, else the date of the commit checked out. */
export function sourceDate(env: Record<string, string | undefined> = process.env): string {
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && epoch !== "") {
    if (!/^\d+$/.test(epoch)) throw new Error(`SOURCE_DATE_EPOCH must be whole seconds since 1970, not ${epoch}`);
    return new Date(Number(epoch) * 1000).toISOString().slice(0, 10);
  }
  const r = Bun.spawnSync(["git", "log", "-1", "--format=%cd", "--date=format-local:%Y-%m-%d"], {
    cwd: join(import.meta.dir, ".."),
    env: { ...process.env, TZ: "UTC" },
    stderr: "ignore",
  });
  const date = r.exitCode === 0 ? r.stdout.toString().trim() : "";
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error("cannot date the manual page: not a git checkout; set SOURCE_DATE_EPOCH");
  return date;
}

/** The page as installed: the source with @VERSION@ and @DATE@ filled in. */
export async function manPage(version: string, date: string = sourceDate()): Promise<string> {
  const source = await Bun.file(SOURCE).text();
  return source.replaceAll("@VERSION@", version).replaceAll("@DATE@", date);
}
