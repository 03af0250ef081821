// Reading a stream someone else controls (stdin, a child's pipe) without
// letting it decide how much memory we use.

export interface CappedRead {
  /** At most maxBytes + 1 bytes: one past the cap says there was more. */
  data: Buffer;
  /** The stream had more than maxBytes; it was cancelled there. */
  over: boolean;
}

/**
 * Reads `stream` to its end, to maxBytes + 1 bytes (then cancels it), or until
 * `stop` settles (then cancels it and returns what came so far).
 */
export async function readCapped(stream: ReadableStream<Uint8Array>, maxBytes: number, stop?: Promise<unknown>): Promise<CappedRead> {
  const reader = stream.getReader();
  void stop?.then(() => reader.cancel().catch(() => {}));
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.length;
    if (total > maxBytes) {
      void reader.cancel().catch(() => {});
      return { data: Buffer.concat(chunks, total).subarray(0, maxBytes + 1), over: true };
    }
  }
  return { data: Buffer.concat(chunks, total), over: false };
}
