import { BlockList, isIP } from "node:net";

/**
 * Where an IP address points, for deciding whether the service may send a request there. A partner
 * chooses its webhook URL, so without this check it could make the service call its own network
 * (metadata endpoints, internal services): server-side request forgery.
 */
export type AddressKind = "public" | "loopback" | "private" | "link-local" | "reserved";

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

const LINK_LOCAL = new BlockList();
LINK_LOCAL.addSubnet("169.254.0.0", 16, "ipv4");
LINK_LOCAL.addSubnet("fe80::", 10, "ipv6");

const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ["10.0.0.0", 8],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  // Carrier-grade NAT: shared, not reachable from the internet.
  ["100.64.0.0", 10],
] as const)
  PRIVATE.addSubnet(net, prefix, "ipv4");
PRIVATE.addSubnet("fc00::", 7, "ipv6");

const RESERVED = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  RESERVED.addSubnet(net, prefix, "ipv4");
RESERVED.addAddress("::", "ipv6");
// IPv6 forms that carry an IPv4 address a gateway may route to (IPv4-compatible, NAT64, 6to4,
// Teredo): `[::127.0.0.1]` or `[64:ff9b::a9fe:a9fe]` must not reach loopback or metadata endpoints.
RESERVED.addSubnet("::", 96, "ipv6");
RESERVED.addSubnet("64:ff9b::", 96, "ipv6");
RESERVED.addSubnet("64:ff9b:1::", 48, "ipv6");
RESERVED.addSubnet("2002::", 16, "ipv6");
RESERVED.addSubnet("2001::", 32, "ipv6");
RESERVED.addSubnet("ff00::", 8, "ipv6");
RESERVED.addSubnet("2001:db8::", 32, "ipv6");

/** IPv4-mapped IPv6 (`::ffff:10.0.0.1`) is the IPv4 address it maps: classified as that one. */
function unmapped(address: string): { address: string; family: "ipv4" | "ipv6" } | undefined {
  const version = isIP(address);
  if (version === 4) return { address, family: "ipv4" };
  if (version !== 6) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1] && isIP(mapped[1]) === 4) return { address: mapped[1], family: "ipv4" };
  return { address, family: "ipv6" };
}

export function classifyAddress(address: string): AddressKind {
  const ip = unmapped(address.replace(/^\[|\]$/g, "").replace(/%.*$/, ""));
  if (!ip) return "reserved";
  if (LOOPBACK.check(ip.address, ip.family)) return "loopback";
  if (LINK_LOCAL.check(ip.address, ip.family)) return "link-local";
  if (PRIVATE.check(ip.address, ip.family)) return "private";
  if (RESERVED.check(ip.address, ip.family)) return "reserved";
  return "public";
}

/**
 * Whether a request may go to every one of these addresses (all of a name's addresses are checked:
 * a name with one public and one private address is refused). Loopback only when allowed (local
 * development), and then only if every address is loopback.
 */
export function addressesAllowed(
  addresses: readonly string[],
  options: { allowLoopback: boolean },
): { allowed: true } | { allowed: false; kind: AddressKind } {
  if (addresses.length === 0) return { allowed: false, kind: "reserved" };
  for (const address of addresses) {
    const kind = classifyAddress(address);
    if (kind === "public" || (kind === "loopback" && options.allowLoopback)) continue;
    return { allowed: false, kind };
  }
  return { allowed: true };
}
