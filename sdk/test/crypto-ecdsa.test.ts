// ECDSA verification on P-256 and P-384 (sdk/assembly/crypto/ecdsa.ts) through the crypto-ecdsa
// fixture: published vectors (RFC 7515 A.3, RFC 6979 A.2.5 / A.2.6), thousands of keys and
// signatures from Node's crypto (OpenSSL) with tampered variants whose verdict must equal
// crypto.verify's, refused keys, and points built here with BigInt math to reach the special
// cases of point addition (Q = ±G, a result at infinity, x(R) >= n), on both builds. (RFC 7520
// §4.3 is ES512, on P-521, which the SDK does not implement; RFC 6979's vectors stand in for it.)
import { createHash, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createHost, LogLevel, type MockHost } from "@filterkit/host-mock";
import { BUILDS, fixtureWasm, prng, type Build } from "./helpers.ts";

// Compiled at collection time (outside any test timeout).
const WASM = { debug: fixtureWasm("crypto-ecdsa", "debug"), release: fixtureWasm("crypto-ecdsa", "release") };

// ---------------------------------------------------------------------------------------------
// A BigInt reference of the curves (test only): Jacobian coordinates with the textbook special
// cases, deliberately unlike the complete projective formulas of the code under test.

type CurveName = "P-256" | "P-384";
type HashName = "sha1" | "sha224" | "sha256" | "sha384" | "sha512";

interface Curve {
  name: CurveName;
  node: "prime256v1" | "secp384r1";
  hash: HashName;
  bytes: number;
  p: bigint;
  n: bigint;
  b: bigint;
  g: Point;
}

type Point = { x: bigint; y: bigint };
type Affine = Point | null;   // null: the point at infinity
type Jacobian = { X: bigint; Y: bigint; Z: bigint };

// FIPS 186-4 D.1.2.3 and D.1.2.4 (a = -3)
const P256: Curve = {
  name: "P-256", node: "prime256v1", hash: "sha256", bytes: 32,
  p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
  n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
  g: {
    x: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    y: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
  },
};
const P384: Curve = {
  name: "P-384", node: "secp384r1", hash: "sha384", bytes: 48,
  p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
  n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
  g: {
    x: 0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n,
    y: 0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn,
  },
};
const CURVES = [P256, P384];

const mod = (a: bigint, m: bigint): bigint => ((a % m) + m) % m;
function powMod(a: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  a = mod(a, m);
  while (e > 0n) {
    if (e & 1n) r = (r * a) % m;
    a = (a * a) % m;
    e >>= 1n;
  }
  return r;
}
const invMod = (a: bigint, m: bigint): bigint => powMod(a, m - 2n, m);   // m prime

function onCurve(c: Curve, x: bigint, y: bigint): boolean {
  return mod(y * y - (x * x * x - 3n * x + c.b), c.p) === 0n;
}

function jDouble(c: Curve, P: Jacobian): Jacobian {
  const p = c.p;
  if (P.Z === 0n || P.Y === 0n) return { X: 1n, Y: 1n, Z: 0n };
  const delta = (P.Z * P.Z) % p, gamma = (P.Y * P.Y) % p, beta = (P.X * gamma) % p;
  const alpha = mod(3n * (P.X - delta) * (P.X + delta), p);
  const X = mod(alpha * alpha - 8n * beta, p);
  const Z = mod((P.Y + P.Z) ** 2n - gamma - delta, p);
  const Y = mod(alpha * (4n * beta - X) - 8n * gamma * gamma, p);
  return { X, Y, Z };
}

function jAdd(c: Curve, P: Jacobian, Q: Jacobian): Jacobian {
  const p = c.p;
  if (P.Z === 0n) return Q;
  if (Q.Z === 0n) return P;
  const z1 = (P.Z * P.Z) % p, z2 = (Q.Z * Q.Z) % p;
  const u1 = (P.X * z2) % p, u2 = (Q.X * z1) % p;
  const s1 = (P.Y * z2 * Q.Z) % p, s2 = (Q.Y * z1 * P.Z) % p;
  if (u1 === u2) return s1 === s2 ? jDouble(c, P) : { X: 1n, Y: 1n, Z: 0n };
  const h = mod(u2 - u1, p), r = mod(s2 - s1, p);
  const h2 = (h * h) % p, h3 = (h2 * h) % p;
  const X = mod(r * r - h3 - 2n * u1 * h2, p);
  const Y = mod(r * (u1 * h2 - X) - s1 * h3, p);
  return { X, Y, Z: (h * P.Z * Q.Z) % p };
}

const toJ = (A: Affine): Jacobian => (A === null ? { X: 1n, Y: 1n, Z: 0n } : { X: A.x, Y: A.y, Z: 1n });
function toAffine(c: Curve, P: Jacobian): Affine {
  if (P.Z === 0n) return null;
  const zi = invMod(P.Z, c.p), zi2 = (zi * zi) % c.p;
  return { x: (P.X * zi2) % c.p, y: (P.Y * zi2 * zi) % c.p };
}

function mulJ(c: Curve, k: bigint, A: Affine): Jacobian {
  let R: Jacobian = { X: 1n, Y: 1n, Z: 0n };
  const P = toJ(A);
  for (let i = BigInt(k.toString(2).length) - 1n; i >= 0n; i--) {
    R = jDouble(c, R);
    if ((k >> i) & 1n) R = jAdd(c, R, P);
  }
  return R;
}
const mul = (c: Curve, k: bigint, A: Affine): Affine => toAffine(c, mulJ(c, mod(k, c.n), A));
const addA = (c: Curve, A: Affine, B: Affine): Affine => toAffine(c, jAdd(c, toJ(A), toJ(B)));
const negA = (c: Curve, A: Affine): Affine => (A === null ? null : { x: A.x, y: mod(-A.y, c.p) });

/** SEC 1 §4.1.4 step 5: the leftmost bits(n) bits of the digest as an integer. */
function digestInt(c: Curve, digest: Uint8Array): bigint {
  const nbits = c.n.toString(2).length;
  let e = digest.length === 0 ? 0n : BigInt("0x" + Buffer.from(digest).toString("hex"));
  if (digest.length * 8 > nbits) e >>= BigInt(digest.length * 8 - nbits);
  return e;
}

function refVerify(c: Curve, Q: Affine, digest: Uint8Array, sig: Uint8Array): boolean {
  if (sig.length !== 2 * c.bytes || Q === null) return false;
  const r = BigInt("0x" + Buffer.from(sig.subarray(0, c.bytes)).toString("hex"));
  const s = BigInt("0x" + Buffer.from(sig.subarray(c.bytes)).toString("hex"));
  if (r < 1n || r >= c.n || s < 1n || s >= c.n) return false;
  const w = invMod(s, c.n);
  const e = digestInt(c, digest);
  const R = toAffine(c, jAdd(c, mulJ(c, mod(e * w, c.n), c.g), mulJ(c, mod(r * w, c.n), Q)));
  return R !== null && mod(R.x, c.n) === r;
}

/** A signature (r, s) with nonce k; null when r or s comes out 0. */
function refSign(c: Curve, d: bigint, k: bigint, digest: Uint8Array): Uint8Array | null {
  const R = mul(c, k, c.g);
  if (R === null) return null;
  const r = mod(R.x, c.n);
  const s = mod(invMod(k, c.n) * (digestInt(c, digest) + r * d), c.n);
  if (r === 0n || s === 0n) return null;
  return sigOf(c, r, s);
}

const fixed = (v: bigint, len: number): Buffer => Buffer.from(v.toString(16).padStart(len * 2, "0"), "hex");
const sigOf = (c: Curve, r: bigint, s: bigint): Uint8Array => Buffer.concat([fixed(r, c.bytes), fixed(s, c.bytes)]);
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const b64u = (s: string): Buffer => Buffer.from(s, "base64url");

/** A point with x-coordinate x (y = rhs^((p+1)/4): both primes are 3 mod 4), or null. */
function liftX(c: Curve, x: bigint): Affine {
  const rhs = mod(x * x * x - 3n * x + c.b, c.p);
  const y = powMod(rhs, (c.p + 1n) / 4n, c.p);
  return (y * y) % c.p === rhs ? { x, y } : null;
}

// ---------------------------------------------------------------------------------------------
// The fixture

type Case = { curve: string; x: string; y: string; digest?: string; sig?: string };

function caseOf(c: Curve, Q: Affine, digest: Uint8Array, sig: Uint8Array): Case {
  const x = Q === null ? "" : hex(fixed(Q.x, c.bytes)), y = Q === null ? "" : hex(fixed(Q.y, c.bytes));
  return { curve: c.name, x, y, digest: hex(digest), sig: hex(sig) };
}

function ecdsa(build: Build): { host: MockHost; run: (cases: Case[]) => string[] } {
  const host = createHost({ wasm: WASM[build], rootId: "crypto_ecdsa", pluginConfig: { cases: [] } });
  return {
    host,
    run(cases) {
      const out: string[] = [];
      for (let at = 0; at < cases.length; at += 400) {
        const chunk = cases.slice(at, at + 400);
        host.clearLogs();
        expect(host.configure({ cases: chunk })).toBe(true);
        const lines = host.logsAt(LogLevel.info);
        expect(host.logsAt(LogLevel.error)).toEqual([]);
        expect(lines.length).toBe(chunk.length);
        lines.forEach((l, i) => {
          expect(l.startsWith(`${i} `)).toBe(true);
          out.push(l.slice(String(i).length + 1));
        });
      }
      return out;
    },
  };
}

/** Node's verdict: crypto.verify over the message with the JWS signature encoding. */
function nodeVerify(hash: HashName, message: Uint8Array, key: KeyObject, sig: Uint8Array): boolean {
  return verify(hash, message, { key, dsaEncoding: "ieee-p1363" }, sig);
}

function publicKeyOf(c: Curve, Q: Affine): KeyObject {
  if (Q === null) throw new Error("no key for the point at infinity");
  return createPublicKey({
    key: { kty: "EC", crv: c.name, x: fixed(Q.x, c.bytes).toString("base64url"), y: fixed(Q.y, c.bytes).toString("base64url") },
    format: "jwk",
  });
}

const digestOf = (hash: HashName, m: Uint8Array): Uint8Array => createHash(hash).update(m).digest();
const enc = new TextEncoder();

// ---------------------------------------------------------------------------------------------
// Published vectors

// RFC 7515 Appendix A.3 (ES256): the JWK's x and y, the JWS Signing Input, and the signature.
const RFC7515_A3 = {
  x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
  y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
  input: "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ",
  sig: "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q",
};

// RFC 6979 Appendix A.2.5 (P-256) and A.2.6 (P-384): private key, public key U = xG, and the
// deterministic signatures (r, s) of "sample" and "test" with each hash.
type Rfc6979 = { curve: Curve; x: bigint; ux: bigint; uy: bigint; sigs: [string, HashName, string, string][] };
const RFC6979: Rfc6979[] = [
  {
    curve: P256,
    x: 0xC9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721n,
    ux: 0x60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6n,
    uy: 0x7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299n,
    sigs: [
      ["sample", "sha1", "61340C88C3AAEBEB4F6D667F672CA9759A6CCAA9FA8811313039EE4A35471D32", "6D7F147DAC089441BB2E2FE8F7A3FA264B9C475098FDCF6E00D7C996E1B8B7EB"],
      ["sample", "sha224", "53B2FFF5D1752B2C689DF257C04C40A587FABABB3F6FC2702F1343AF7CA9AA3F", "B9AFB64FDC03DC1A131C7D2386D11E349F070AA432A4ACC918BEA988BF75C74C"],
      ["sample", "sha256", "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716", "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8"],
      ["sample", "sha384", "0EAFEA039B20E9B42309FB1D89E213057CBF973DC0CFC8F129EDDDC800EF7719", "4861F0491E6998B9455193E34E7B0D284DDD7149A74B95B9261F13ABDE940954"],
      ["sample", "sha512", "8496A60B5E9B47C825488827E0495B0E3FA109EC4568FD3F8D1097678EB97F00", "2362AB1ADBE2B8ADF9CB9EDAB740EA6049C028114F2460F96554F61FAE3302FE"],
      ["test", "sha1", "0CBCC86FD6ABD1D99E703E1EC50069EE5C0B4BA4B9AC60E409E8EC5910D81A89", "01B9D7B73DFAA60D5651EC4591A0136F87653E0FD780C3B1BC872FFDEAE479B1"],
      ["test", "sha224", "C37EDB6F0AE79D47C3C27E962FA269BB4F441770357E114EE511F662EC34A692", "C820053A05791E521FCAAD6042D40AEA1D6B1A540138558F47D0719800E18F2D"],
      ["test", "sha256", "F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367", "019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083"],
      ["test", "sha384", "83910E8B48BB0C74244EBDF7F07A1C5413D61472BD941EF3920E623FBCCEBEB6", "8DDBEC54CF8CD5874883841D712142A56A8D0F218F5003CB0296B6B509619F2C"],
      ["test", "sha512", "461D93F31B6540894788FD206C07CFA0CC35F46FA3C91816FFF1040AD1581A04", "39AF9F15DE0DB8D97E72719C74820D304CE5226E32DEDAE67519E840D1194E55"],
    ],
  },
  {
    curve: P384,
    x: 0x6B9D3DAD2E1B8C1C05B19875B6659F4DE23C3B667BF297BA9AA47740787137D896D5724E4C70A825F872C9EA60D2EDF5n,
    ux: 0xEC3A4E415B4E19A4568618029F427FA5DA9A8BC4AE92E02E06AAE5286B300C64DEF8F0EA9055866064A254515480BC13n,
    uy: 0x8015D9B72D7D57244EA8EF9AC0C621896708A59367F9DFB9F54CA84B3F1C9DB1288B231C3AE0D4FE7344FD2533264720n,
    sigs: [
      ["sample", "sha1", "EC748D839243D6FBEF4FC5C4859A7DFFD7F3ABDDF72014540C16D73309834FA37B9BA002899F6FDA3A4A9386790D4EB2", "A3BCFA947BEEF4732BF247AC17F71676CB31A847B9FF0CBC9C9ED4C1A5B3FACF26F49CA031D4857570CCB5CA4424A443"],
      ["sample", "sha224", "42356E76B55A6D9B4631C865445DBE54E056D3B3431766D0509244793C3F9366450F76EE3DE43F5A125333A6BE060122", "9DA0C81787064021E78DF658F2FBB0B042BF304665DB721F077A4298B095E4834C082C03D83028EFBF93A3C23940CA8D"],
      ["sample", "sha256", "21B13D1E013C7FA1392D03C5F99AF8B30C570C6F98D4EA8E354B63A21D3DAA33BDE1E888E63355D92FA2B3C36D8FB2CD", "F3AA443FB107745BF4BD77CB3891674632068A10CA67E3D45DB2266FA7D1FEEBEFDC63ECCD1AC42EC0CB8668A4FA0AB0"],
      ["sample", "sha384", "94EDBB92A5ECB8AAD4736E56C691916B3F88140666CE9FA73D64C4EA95AD133C81A648152E44ACF96E36DD1E80FABE46", "99EF4AEB15F178CEA1FE40DB2603138F130E740A19624526203B6351D0A3A94FA329C145786E679E7B82C71A38628AC8"],
      ["sample", "sha512", "ED0959D5880AB2D869AE7F6C2915C6D60F96507F9CB3E047C0046861DA4A799CFE30F35CC900056D7C99CD7882433709", "512C8CCEEE3890A84058CE1E22DBC2198F42323CE8ACA9135329F03C068E5112DC7CC3EF3446DEFCEB01A45C2667FDD5"],
      ["test", "sha1", "4BC35D3A50EF4E30576F58CD96CE6BF638025EE624004A1F7789A8B8E43D0678ACD9D29876DAF46638645F7F404B11C7", "D5A6326C494ED3FF614703878961C0FDE7B2C278F9A65FD8C4B7186201A2991695BA1C84541327E966FA7B50F7382282"],
      ["test", "sha224", "E8C9D0B6EA72A0E7837FEA1D14A1A9557F29FAA45D3E7EE888FC5BF954B5E62464A9A817C47FF78B8C11066B24080E72", "07041D4A7A0379AC7232FF72E6F77B6DDB8F09B16CCE0EC3286B2BD43FA8C6141C53EA5ABEF0D8231077A04540A96B66"],
      ["test", "sha256", "6D6DEFAC9AB64DABAFE36C6BF510352A4CC27001263638E5B16D9BB51D451559F918EEDAF2293BE5B475CC8F0188636B", "2D46F3BECBCC523D5F1A1256BF0C9B024D879BA9E838144C8BA6BAEB4B53B47D51AB373F9845C0514EEFB14024787265"],
      ["test", "sha384", "8203B63D3C853E8D77227FB377BCF7B7B772E97892A80F36AB775D509D7A5FEB0542A7F0812998DA8F1DD3CA3CF023DB", "DDD0760448D42D8A43AF45AF836FCE4DE8BE06B485E9B61B827C2F13173923E06A739F040649A667BF3B828246BAA5A5"],
      ["test", "sha512", "A0D5D090C9980FAF3C2CE57B7AE951D31977DD11C775D314AF55F76C676447D06FB6495CD21B4B6E340FC236584FB277", "976984E59B4C77B0E8E4460DCA3D9F20E07B9BB1F63BEEFAF576F6B2E8B224634A2092CD3792E0159AD9CEE37659C736"],
    ],
  },
];

describe("the test's own reference", () => {
  it("agrees with the published keys and signatures and with Node's crypto", () => {
    for (const v of RFC6979) {
      const c = v.curve;
      expect(mul(c, v.x, c.g)).toEqual({ x: v.ux, y: v.uy });
      expect(onCurve(c, v.ux, v.uy)).toBe(true);
      const key = publicKeyOf(c, { x: v.ux, y: v.uy });
      for (const [msg, hash, r, s] of v.sigs) {
        const sig = Buffer.from(r + s, "hex");
        expect(refVerify(c, { x: v.ux, y: v.uy }, digestOf(hash, enc.encode(msg)), sig), `${c.name} ${hash} ${msg}`).toBe(true);
        expect(nodeVerify(hash, enc.encode(msg), key, sig)).toBe(true);
      }
    }
    for (const c of CURVES) {
      expect(mul(c, c.n, c.g)).toBe(null);
      expect(mul(c, c.n - 1n, c.g)).toEqual(negA(c, c.g));
      expect(addA(c, c.g, c.g)).toEqual(mul(c, 2n, c.g));
      const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: c.node });
      const jwk = publicKey.export({ format: "jwk" });
      const d = BigInt("0x" + b64u(privateKey.export({ format: "jwk" }).d as string).toString("hex"));
      expect(mul(c, d, c.g)).toEqual({ x: BigInt("0x" + b64u(jwk.x as string).toString("hex")), y: BigInt("0x" + b64u(jwk.y as string).toString("hex")) });
      const m = enc.encode("reference");
      expect(refVerify(c, mul(c, d, c.g), digestOf(c.hash, m), sign(c.hash, m, { key: privateKey, dsaEncoding: "ieee-p1363" }))).toBe(true);
    }
  });
});

describe.each(BUILDS)("ECDSA verification (%s build)", (build) => {
  const { host, run } = ecdsa(build);

  it("verifies RFC 7515 A.3 (ES256) and rejects it altered", () => {
    const x = b64u(RFC7515_A3.x), y = b64u(RFC7515_A3.y), sig = b64u(RFC7515_A3.sig);
    const digest = digestOf("sha256", enc.encode(RFC7515_A3.input));
    const altered = Buffer.from(sig);
    altered[63] ^= 1;
    const other = digestOf("sha256", enc.encode(RFC7515_A3.input + "."));
    expect(run([
      { curve: "P-256", x: hex(x), y: hex(y), digest: hex(digest), sig: hex(sig) },
      { curve: "P-256", x: hex(x), y: hex(y), digest: hex(digest), sig: hex(altered) },
      { curve: "P-256", x: hex(x), y: hex(y), digest: hex(other), sig: hex(sig) },
      { curve: "P-384", x: hex(x), y: hex(y), digest: hex(digest), sig: hex(sig) },
    ])).toEqual(["true", "false", "false", "badkey"]);
  });

  it("verifies the RFC 6979 A.2.5 (P-256) and A.2.6 (P-384) signatures, with every hash", () => {
    const cases: Case[] = [];
    const want: string[] = [];
    for (const v of RFC6979) {
      const Q = { x: v.ux, y: v.uy };
      for (const [msg, hash, r, s] of v.sigs) {
        const digest = digestOf(hash, enc.encode(msg));
        cases.push(caseOf(v.curve, Q, digest, Buffer.from(r + s, "hex")));
        want.push("true");
        // the other message's digest
        cases.push(caseOf(v.curve, Q, digestOf(hash, enc.encode(msg === "test" ? "sample" : "test")), Buffer.from(r + s, "hex")));
        want.push("false");
      }
    }
    expect(run(cases)).toEqual(want);
  });
});


// ---------------------------------------------------------------------------------------------
// Generated cases: each with the verdict it must get and why.

type Expect = { c: Case; want: string; why: string };

const randInt = (r: () => number, n: number): number => Math.floor(r() * n);
const randBytes = (r: () => number, len: number): Uint8Array => Uint8Array.from({ length: len }, () => randInt(r, 256));
const bigOf = (b: Uint8Array): bigint => (b.length === 0 ? 0n : BigInt("0x" + hex(b)));
function randScalar(c: Curve, r: () => number): bigint {
  return mod(bigOf(randBytes(r, c.bytes + 8)), c.n - 1n) + 1n;
}
function flipBit(b: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(b);
  out[bit >> 3] ^= 0x80 >> (bit & 7);
  return out;
}

interface TestKey { pub: KeyObject; priv: KeyObject; Q: Affine }
function nodeKey(c: Curve): TestKey {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: c.node });
  const jwk = publicKey.export({ format: "jwk" });
  return { pub: publicKey, priv: privateKey, Q: { x: bigOf(b64u(jwk.x as string)), y: bigOf(b64u(jwk.y as string)) } };
}

/**
 * Node-signed signatures and their tampered forms; the verdict of each is crypto.verify's (or,
 * for a digest with a bit flipped, which Node cannot be given, the reference's).
 */
function differential(c: Curve, keyCount: number, perKey: number, seed: number): Expect[] {
  const r = prng(seed);
  const keys = Array.from({ length: keyCount }, () => nodeKey(c));
  // mostly the curve's own hash; the others exercise the digest's truncation (longer) and
  // its use as it is (shorter)
  const hashes: HashName[] = c === P256
    ? ["sha256", "sha256", "sha256", "sha512", "sha384", "sha1", "sha224"]
    : ["sha384", "sha384", "sha384", "sha512", "sha256", "sha1", "sha224"];
  const L = c.bytes;
  const out: Expect[] = [];
  for (let k = 0; k < keyCount; k++) {
    const key = keys[k], other = keys[(k + 1) % keyCount];
    for (let m = 0; m < perKey; m++) {
      const hash = hashes[(k * perKey + m) % hashes.length];
      const msg = randBytes(r, randInt(r, 120));
      const sig = sign(hash, msg, { key: key.priv, dsaEncoding: "ieee-p1363" });
      const R = bigOf(sig.subarray(0, L)), S = bigOf(sig.subarray(L));
      const ones = new Uint8Array(2 * L).fill(0xff);
      const variants: [string, Uint8Array, Uint8Array, TestKey][] = [
        ["valid", msg, sig, key],
        ["a bit of r flipped", msg, flipBit(sig, randInt(r, L * 8)), key],
        ["a bit of s flipped", msg, flipBit(sig, L * 8 + randInt(r, L * 8)), key],
        ["a bit of the message flipped", msg.length > 0 ? flipBit(msg, randInt(r, msg.length * 8)) : Uint8Array.of(0), sig, key],
        ["another key", msg, sig, other],
        ["r = 0", msg, sigOf(c, 0n, S), key],
        ["s = 0", msg, sigOf(c, R, 0n), key],
        ["r = n", msg, sigOf(c, c.n, S), key],
        ["s = n", msg, sigOf(c, R, c.n), key],
        ["r = n - 1", msg, sigOf(c, c.n - 1n, S), key],
        ["s = n - 1", msg, sigOf(c, R, c.n - 1n), key],
        ["r = 1", msg, sigOf(c, 1n, S), key],
        ["r and s swapped", msg, sigOf(c, S, R), key],
        ["s replaced by n - s", msg, sigOf(c, R, c.n - S), key],
        ["one byte short", msg, sig.subarray(0, 2 * L - 1), key],
        ["one byte long", msg, Buffer.concat([sig, Uint8Array.of(0)]), key],
        ["a leading zero byte", msg, Buffer.concat([Uint8Array.of(0), sig]), key],
        ["r and s one byte short each", msg, Buffer.concat([sig.subarray(1, L), sig.subarray(L + 1)]), key],
        ["all zeros", msg, new Uint8Array(2 * L), key],
        ["all ones", msg, ones, key],
        ["empty", msg, new Uint8Array(0), key],
      ];
      if (R + c.n < 1n << BigInt(8 * L)) variants.push(["r + n", msg, sigOf(c, R + c.n, S), key]);
      for (const [why, m2, s2, k2] of variants) {
        out.push({ c: caseOf(c, k2.Q, digestOf(hash, m2), s2), want: String(nodeVerify(hash, m2, k2.pub, s2)), why: `${c.name} ${hash} ${why}` });
      }
      if (m % 2 === 0) {
        const digest = flipBit(digestOf(hash, msg), randInt(r, Math.min(8 * L, digestOf(hash, msg).length * 8)));
        out.push({ c: caseOf(c, key.Q, digest, sig), want: String(refVerify(c, key.Q, digest, sig)), why: `${c.name} ${hash} a bit of the digest flipped` });
      }
    }
  }
  return out;
}

/**
 * A valid signature on the digest e for a key chosen to make it valid: the result point is R
 * itself (R = u1·G + u2·Q with u1 = e·w, u2 = r·w, r = x(R) mod n, s = w⁻¹).
 */
function keyFor(c: Curve, R: Affine, e: bigint, w: bigint): { Q: Affine; r: bigint; s: bigint } {
  if (R === null) throw new Error("R at infinity");
  const r = mod(R.x, c.n);
  const u1 = mod(e * w, c.n), u2 = mod(r * w, c.n);
  const Q = mul(c, invMod(u2, c.n), addA(c, R, negA(c, mul(c, u1, c.g))));
  return { Q, r, s: invMod(w, c.n) };
}

/** For the key Q and chosen u1, u2: the digest and signature that make u1·G + u2·Q the point checked. */
function forge(c: Curve, Q: Affine, u1: bigint, u2: bigint): { digest: Uint8Array; sig: Uint8Array } {
  const R = addA(c, mul(c, u1, c.g), mul(c, u2, Q));
  if (R === null) throw new Error("R at infinity");
  const r = mod(R.x, c.n);
  const w = mod(u2 * invMod(r, c.n), c.n);
  const e = mod(u1 * invMod(w, c.n), c.n);
  return { digest: fixed(e, c.bytes), sig: sigOf(c, r, invMod(w, c.n)) };
}

/**
 * Points and scalars chosen to reach the special cases of point addition inside u1·G + u2·Q:
 * Q = G and Q = -G (table points equal to or opposite of the accumulator), Q = 2G, results at
 * infinity, x(R) >= n, u1 = 0, digests to be reduced mod n or truncated. Each verdict is checked
 * against the reference too (and against Node when the case is over a message).
 */
function special(c: Curve, seed: number): Expect[] {
  const r = prng(seed);
  const out: Expect[] = [];
  const G = c.g, minusG = negA(c, G), twoG = mul(c, 2n, G);
  const add = (why: string, Q: Affine, digest: Uint8Array, sig: Uint8Array, want: boolean): void => {
    expect(refVerify(c, Q, digest, sig), `reference: ${why}`).toBe(want);
    out.push({ c: caseOf(c, Q, digest, sig), want: String(want), why: `${c.name} ${why}` });
  };
  const addMessage = (why: string, Q: Affine, msg: Uint8Array, sig: Uint8Array, want: boolean): void => {
    expect(nodeVerify(c.hash, msg, publicKeyOf(c, Q), sig), `Node: ${why}`).toBe(want);
    add(why, Q, digestOf(c.hash, msg), sig, want);
  };
  for (let i = 0; i < 6; i++) {
    const t = i === 0 ? 1n : i === 1 ? c.n - 1n : i === 2 ? 2n : randScalar(c, r);
    // Q = G, u1 = u2: the first addition is the point plus itself
    let f = forge(c, G, t, t);
    add(`Q = G, u1 = u2 = ${t}`, G, f.digest, f.sig, true);
    // Q = -G, u1 = u2 + 1: every addition of a Q digit cancels the G digit before it
    if (t !== c.n - 1n) {
      f = forge(c, minusG, t + 1n, t);
      add(`Q = -G, u1 = u2 + 1 = ${t + 1n}`, minusG, f.digest, f.sig, true);
    }
    // Q = 2G, u1 = 2·u2
    if (mod(4n * t, c.n) !== 0n) {
      f = forge(c, twoG, mod(2n * t, c.n), t);
      add(`Q = 2G, u1 = 2·u2, u2 = ${t}`, twoG, f.digest, f.sig, true);
    }
    // results at infinity: Q = G with u2 = -u1 (r = -e), Q = -G with u1 = u2 (r = e), Q = 2G with u1 = -2·u2
    const msg = randBytes(r, 16);
    const e = mod(digestInt(c, digestOf(c.hash, msg)), c.n);
    const s = randScalar(c, r);
    addMessage("Q = G, u1·G = -u2·Q", G, msg, sigOf(c, mod(-e, c.n), s), false);
    addMessage("Q = -G, u1·G = -u2·Q", minusG, msg, sigOf(c, e, s), false);
    addMessage("Q = 2G, u1·G = -u2·Q", twoG, msg, sigOf(c, mod(-e * invMod(2n, c.n), c.n), s), false);
    // a key of a known scalar d: the valid signature, and u1·G = -u2·Q (r = -e/d)
    const d = randScalar(c, r);
    const Q = mul(c, d, G);
    const good = refSign(c, d, randScalar(c, r), digestOf(c.hash, msg));
    if (good !== null) addMessage("signed by the reference", Q, msg, good, true);
    addMessage("u1·G = -u2·Q for a random key", Q, msg, sigOf(c, mod(-e * invMod(d, c.n), c.n), s), false);
    // Q = G and Q = -G signing as keys do (d = 1, d = n - 1)
    for (const [name, dd, QQ] of [["G", 1n, G], ["-G", c.n - 1n, minusG]] as const) {
      const sig = refSign(c, dd, randScalar(c, r), digestOf(c.hash, msg));
      if (sig !== null) addMessage(`Q = ${name}, signed`, QQ, msg, sig, true);
    }
  }
  // x(R) >= n: R's x-coordinate is n + δ, so r = δ and the check must be x = r + n
  let found = 0;
  for (let delta = 1n; found < 3; delta++) {
    const R = liftX(c, c.n + delta);
    if (R === null) continue;
    found++;
    const msg = randBytes(r, 24);
    const k = keyFor(c, R, digestInt(c, digestOf(c.hash, msg)), randScalar(c, r));
    expect(k.r).toBe(delta);
    addMessage(`x(R) = n + ${delta}`, k.Q, msg, sigOf(c, k.r, k.s), true);
    addMessage(`x(R) = n + ${delta}, r = x(R) >= n`, k.Q, msg, sigOf(c, R.x, k.s), false);
    addMessage(`x(R) = n + ${delta}, -R`, k.Q, msg, sigOf(c, k.r, c.n - k.s), true);
  }
  // u1 = 0 (digest 0, or n, which is 0 mod n), digests of e and e + n, truncation
  {
    const R = mul(c, randScalar(c, r), G);
    const k0 = keyFor(c, R, 0n, randScalar(c, r));
    const sig0 = sigOf(c, k0.r, k0.s);
    add("u1 = 0: an all-zero digest", k0.Q, new Uint8Array(c.bytes), sig0, true);
    add("u1 = 0: the digest n", k0.Q, fixed(c.n, c.bytes), sig0, true);
    add("u1 = 0: an empty digest", k0.Q, new Uint8Array(0), sig0, true);
    add("u1 = 0: a digest of one zero byte", k0.Q, new Uint8Array(1), sig0, true);
    add("u1 = 0: the digest 1", k0.Q, fixed(1n, c.bytes), sig0, false);
    const e = BigInt(1 + randInt(r, 1 << 30));
    const k1 = keyFor(c, R, e, randScalar(c, r));
    const sig1 = sigOf(c, k1.r, k1.s);
    add("a small digest", k1.Q, fixed(e, c.bytes), sig1, true);
    add("a small digest plus n (reduced mod n)", k1.Q, fixed(e + c.n, c.bytes), sig1, true);
    add("a small digest as 4 bytes", k1.Q, fixed(e, 4), sig1, true);
    add("a small digest as 4 bytes, zero-padded at the end", k1.Q, Buffer.concat([fixed(e, 4), new Uint8Array(c.bytes - 4)]), sig1, false);
    const long = Buffer.concat([fixed(e, c.bytes), randBytes(r, 20)]);
    add("a longer digest (its leftmost bits count)", k1.Q, long, sig1, true);
    add("a much longer digest", k1.Q, Buffer.concat([fixed(e, c.bytes), randBytes(r, 300)]), sig1, true);
    add("a longer digest, shifted", k1.Q, Buffer.concat([Uint8Array.of(0), fixed(e, c.bytes)]), sig1, false);
    const e20 = bigOf(randBytes(r, 20));
    const k2 = keyFor(c, R, e20, randScalar(c, r));
    add("a 20-byte digest", k2.Q, fixed(e20, 20), sigOf(c, k2.r, k2.s), true);
  }
  return out;
}

/** Keys fromCoordinates must accept ("key") or refuse ("badkey"). */
function keyCases(c: Curve): Expect[] {
  const out: Expect[] = [];
  const L = c.bytes;
  const k = (why: string, x: Uint8Array, y: Uint8Array, want: "key" | "badkey", curve: string = c.name): void => {
    out.push({ c: { curve, x: hex(x), y: hex(y) }, want, why: `${c.name} key: ${why}` });
  };
  const gx = fixed(c.g.x, L), gy = fixed(c.g.y, L);
  k("G", gx, gy, "key");
  k("-G", gx, fixed(c.p - c.g.y, L), "key");
  k("x = p", fixed(c.p, L), gy, "badkey");
  k("y = p", gx, fixed(c.p, L), "badkey");
  k("y = 2^(8L) - 1", gx, new Uint8Array(L).fill(0xff), "badkey");
  k("y + 1 (off the curve)", gx, fixed(c.g.y + 1n, L), "badkey");
  k("x + 1 (off the curve)", fixed(c.g.x + 1n, L), gy, "badkey");
  k("(0, 0)", new Uint8Array(L), new Uint8Array(L), "badkey");
  k("(0, 1)", new Uint8Array(L), fixed(1n, L), "badkey");
  k("x one byte short", gx.subarray(1), gy, "badkey");
  k("x with a leading zero byte", Buffer.concat([Uint8Array.of(0), gx]), gy, "badkey");
  k("y one byte short", gx, gy.subarray(1), "badkey");
  k("y with a leading zero byte", gx, Buffer.concat([Uint8Array.of(0), gy]), "badkey");
  k("empty coordinates", new Uint8Array(0), new Uint8Array(0), "badkey");
  k("an unknown curve", gx, gy, "badkey", "P-521");
  k("no curve", gx, gy, "badkey", "");
  // a point with a small x, and the same x plus p (congruent, on the curve mod p, not below p)
  let x0 = 1n;
  while (liftX(c, x0) === null) x0++;
  const P0 = liftX(c, x0) as Point;
  k(`(${x0}, y) on the curve`, fixed(x0, L), fixed(P0.y, L), "key");
  k(`(${x0} + p, y): congruent to a point, but not below p`, fixed(x0 + c.p, L), fixed(P0.y, L), "badkey");
  const Z0 = liftX(c, 0n);
  if (Z0 !== null) k("(0, sqrt(b)) on the curve", new Uint8Array(L), fixed(Z0.y, L), "key");
  // the other curve's points
  const o = c === P256 ? P384 : P256;
  const ox = fixed(o.g.x, o.bytes), oy = fixed(o.g.y, o.bytes);
  k(`${o.name}'s G`, ox, oy, "badkey");
  if (o.bytes < L) {
    const px = Buffer.concat([new Uint8Array(L - o.bytes), ox]), py = Buffer.concat([new Uint8Array(L - o.bytes), oy]);
    expect(onCurve(c, o.g.x, o.g.y)).toBe(false);
    k(`${o.name}'s G zero-padded to ${L} bytes`, px, py, "badkey");
  }
  return out;
}

// Generated once, run on both builds.
let generated: { differential: Expect[]; special: Expect[]; keys: Expect[] } | null = null;
function cases(): { differential: Expect[]; special: Expect[]; keys: Expect[] } {
  generated ??= {
    differential: [...differential(P256, 40, 6, 101), ...differential(P384, 24, 6, 102)],
    special: [...special(P256, 201), ...special(P384, 202)],
    keys: [...keyCases(P256), ...keyCases(P384)],
  };
  return generated;
}

function mismatches(run: (cases: Case[]) => string[], list: Expect[]): string[] {
  const got = run(list.map((e) => e.c));
  return list.flatMap((e, i) => (got[i] === e.want ? [] : [`${e.why}: got ${got[i]}, want ${e.want}: ${JSON.stringify(e.c)}`]));
}

describe.each(BUILDS)("ECDSA against Node's crypto and the reference (%s build)", (build) => {
  const { host, run } = ecdsa(build);

  it("agrees with crypto.verify on Node-signed signatures and every tampered form of them", () => {
    const list = cases().differential;
    expect(list.length).toBeGreaterThan(5000);
    // the oracle says what ECDSA says
    for (const e of list) {
      if (/ (valid|s replaced by n - s)$/.test(e.why)) expect(e.want, e.why).toBe("true");
      if (/ (r|s) = (0|n)$| one byte| all | empty| leading zero/.test(e.why)) expect(e.want, e.why).toBe("false");
    }
    expect(mismatches(run, list)).toEqual([]);
  }, 300_000);

  it("gets the special cases of point addition right (Q = ±G, 2G, infinity, x(R) >= n, digests)", () => {
    const list = cases().special;
    expect(list.length).toBeGreaterThan(80);
    expect(mismatches(run, list)).toEqual([]);
  }, 120_000);

  it("accepts keys on the curve and refuses the rest (x or y >= p, off the curve, wrong length or curve)", () => {
    expect(mismatches(run, cases().keys)).toEqual([]);
  });

  it("never traps, whatever the lengths and bytes", () => {
    const r = prng(7);
    const list: Expect[] = [];
    for (const c of CURVES) {
      const L = c.bytes;
      const lens = [0, 1, L - 1, L, L + 1, 2 * L - 1, 2 * L, 2 * L + 1, 4 * L, 1000];
      for (let i = 0; i < 200; i++) {
        const digest = randBytes(r, lens[randInt(r, lens.length)]);
        const sig = randInt(r, 3) === 0 ? randBytes(r, 2 * L) : randBytes(r, lens[randInt(r, lens.length)]);
        list.push({ c: caseOf(c, c.g, digest, sig), want: "false", why: `${c.name} random ${digest.length}/${sig.length}` });
        const x = randBytes(r, lens[randInt(r, lens.length)]), y = randBytes(r, randInt(r, 2) === 0 ? L : lens[randInt(r, lens.length)]);
        list.push({ c: { curve: c.name, x: hex(x), y: hex(y), digest: hex(digest), sig: hex(sig) }, want: "badkey", why: `${c.name} random key ${x.length}/${y.length}` });
      }
      // odd-length hex: the fixture drops the last digit
      list.push({ c: { curve: c.name, x: hex(fixed(c.g.x, L)), y: hex(fixed(c.g.y, L)), digest: "abc", sig: "123" }, want: "false", why: "odd hex" });
    }
    expect(mismatches(run, list)).toEqual([]);
    expect(host.logsAt(LogLevel.critical)).toEqual([]);
  }, 120_000);
});

// Speed is npm run bench's (bench/crypto.ts): this checks the bench mode it uses verifies, and allocates nothing.
describe.each(BUILDS)("ECDSA bench mode (%s build)", (build) => {
  it("verifies ES256 and ES384 hundreds of times without allocating", () => {
    const host = createHost({ wasm: WASM[build], rootId: "crypto_ecdsa", pluginConfig: { cases: [] } });
    const figures: string[] = [];
    for (const v of RFC6979) {
      const [msg, hash, r, s] = v.sigs.find((x) => x[1] === v.curve.hash) as [string, HashName, string, string];
      const bench = { ...caseOf(v.curve, { x: v.ux, y: v.uy }, digestOf(hash, enc.encode(msg)), Buffer.from(r + s, "hex")), iters: 20 };
      expect(host.configure({ bench })).toBe(true);   // warm-up: tables built, code optimised
      const iters = 300;
      const before = host.memoryPages();
      host.clearLogs();
      const t0 = performance.now();
      expect(host.configure({ bench: { ...bench, iters } })).toBe(true);
      const ms = (performance.now() - t0) / iters;
      expect(host.logsAt(LogLevel.info)).toEqual([`bench ${iters}`]);
      expect(host.memoryPages()).toBeLessThanOrEqual(before);
      figures.push(`${v.curve.name} ${ms.toFixed(3)} ms`);
    }
    expect(figures).toHaveLength(RFC6979.length);
  }, 60_000);
});
