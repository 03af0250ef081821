// Which region a CodeCommit request is signed for.
import { UserError } from "../errors.ts";
import { REGION_SOURCES, sessionRegionOrInstance, type Region } from "../aws/region.ts";
import type { Session } from "../aws/session.ts";
import { regionFromHost } from "./host.ts";

/** The host's own region (as the CLI reads it), else the session's (the EC2 instance's as a last resort). */
export async function hostOrSessionRegion(session: Session, host: string): Promise<Region | undefined> {
  const fromHost = regionFromHost(host);
  return fromHost !== undefined ? { name: fromHost, source: `the host ${host}` } : sessionRegionOrInstance(session);
}

/** hostOrSessionRegion, or an error naming every source. */
export async function requestRegion(session: Session, host: string): Promise<Region> {
  const region = await hostOrSessionRegion(session, host);
  if (!region) throw new UserError(`No region: the host ${host} does not name one; set ${REGION_SOURCES}`);
  return region;
}
