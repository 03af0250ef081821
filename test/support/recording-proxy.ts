// A forward proxy on 127.0.0.1 that records what went through it: CONNECT
// tunnels (HTTPS_PROXY for https:// targets) and absolute-form requests
// (HTTP_PROXY for http:// targets). Enough to prove a client used the proxy it
// was given, not a general-purpose proxy.
//
// Plain module (no bun:test imports).

import { connect, createServer, type Socket } from "node:net";

export interface ProxiedRequest {
  method: string;
  /** `host:port` for CONNECT, the absolute URL otherwise. */
  target: string;
}

export interface RecordingProxy {
  url: string;
  requests: ProxiedRequest[];
  stop(): Promise<void>;
}

export async function startRecordingProxy(): Promise<RecordingProxy> {
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();

  const server = createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => client.destroy());
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      client.off("data", onData);
      const [method = "", target = "", version = "HTTP/1.1"] = head.subarray(0, head.indexOf("\r\n")).toString("latin1").split(" ");
      requests.push({ method, target });
      let host: string;
      let port: number;
      let first: Buffer;
      if (method === "CONNECT") {
        const colon = target.lastIndexOf(":");
        host = target.slice(0, colon);
        port = Number(target.slice(colon + 1));
        first = head.subarray(end + 4);
      } else {
        const url = new URL(target);
        host = url.hostname;
        port = Number(url.port || 80);
        // Origin servers get origin-form; the rest of the head passes unchanged.
        const rest = head.subarray(head.indexOf("\r\n"));
        first = Buffer.concat([Buffer.from(`${method} ${url.pathname}${url.search} ${version}`, "latin1"), rest]);
      }
      const upstream = connect(port, host, () => {
        if (method === "CONNECT") client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        if (first.length) upstream.write(first);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      sockets.add(upstream);
      upstream.on("close", () => {
        sockets.delete(upstream);
        client.destroy();
      });
      upstream.on("error", () => {
        if (method === "CONNECT") client.end("HTTP/1.1 502 Bad Gateway\r\n\r\n");
        else client.destroy();
      });
    };
    client.on("data", onData);
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("proxy did not report a port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
