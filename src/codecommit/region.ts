// Which region a CodeCommit request is signed for.
import { UserError } from "../errors.ts";
import { REGION_SOURCES, sessionRegionOrInstance, type Region } from "../aws/region.ts";
import type { Session } from "../aws/session.ts";
import { regionFromHost } from "./host.ts";

/** The host's own region (as the CLI reads it), else the session's; an error naming every source if none. */
export async function requestRegion(session: Session, host: string): Promise<Region> {
  const fromHost = regionFromHost(host);
  const region = fromHost !== undefined ? { name: fromHost, source: `the host ${host}` } : await sessionRegionOrInstance(session);
  if (!region) throw new UserError(`No region: the host ${host} does not name one; set ${REGION_SOURCES}`);
  return region;
}
