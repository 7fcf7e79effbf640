// The generated bootstrap's clusters are STRICT_DNS whatever the endpoint: a bridged container
// reaches the test process as host.docker.internal, a name that a STATIC cluster refuses (Envoy
// exited at start-up: how the bridge mode used to fail), and the cluster type is one in every mode
// because it shows in what a filter reads (xds.upstream_host_metadata).
import { describe, expect, it } from "vitest";
import { bootstrap } from "../src/bootstrap.ts";

type Cluster = { name: string; type: string; dns_lookup_family?: string; load_assignment: { endpoints: Array<{ lb_endpoints: Array<{ endpoint: { address: { socket_address: { address: string } } } }> }> } };

const clustersOf = (host: string): Cluster[] =>
  (bootstrap({ bindAddress: "0.0.0.0", listenerPort: 10000, adminPort: 9901, plugins: [], upstream: { name: "upstream", host, port: 8080 }, calloutClusters: [{ name: "auth", host, port: 8081 }] }) as { static_resources: { clusters: Cluster[] } }).static_resources.clusters;

describe("bootstrap clusters", () => {
  it.each(["127.0.0.1", "host.docker.internal"])("%s: STRICT_DNS over IPv4, the endpoint as given", (host) => {
    const cs = clustersOf(host);
    expect(cs.map((c) => c.name)).toEqual(["upstream", "auth"]);
    for (const c of cs) {
      expect([c.type, c.dns_lookup_family]).toEqual(["STRICT_DNS", "V4_ONLY"]);
      expect(c.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address).toBe(host);
    }
  });
});
