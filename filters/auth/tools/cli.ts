// npm run auth:hash -- api-key --salt SALT --id ID --consumer NAME KEY
//                    basic [--pbkdf2 [--rounds N]] USER PASSWORD
//
// Prints what the auth filter's configuration stores instead of a secret: an API key entry
// (`{"id", "sha256", "consumer"}` with SHA-256 of salt and key) or a Basic user entry
// (`{"name", "hash"}` with `{SHA}` or `$pbkdf2-sha256$…`). Read secrets from the command line
// only on a machine you trust (shell history keeps them); `-` reads the secret from stdin.
import { readFileSync } from "node:fs";
import { apiKeyHash, pbkdf2Entry, shaEntry, usableKey } from "./secrets.ts";

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const v = argv[i + 1];
  argv.splice(i, 2);
  return v;
}

function secret(v: string | undefined): string | undefined {
  return v === "-" ? readFileSync(0, "utf8").replace(/\r?\n$/, "") : v;
}

function main(argv: string[]): number {
  const cmd = argv.shift();
  if (cmd === "api-key") {
    const salt = option(argv, "--salt");
    const id = option(argv, "--id");
    const consumer = option(argv, "--consumer");
    const key = secret(argv[0]);
    if (salt === undefined || id === undefined || consumer === undefined || key === undefined || argv.length !== 1) {
      process.stderr.write("usage: npm run auth:hash -- api-key --salt SALT --id ID --consumer NAME KEY|-\n");
      return 2;
    }
    if (!usableKey(key)) {
      process.stderr.write("an API key is 1 to 1024 visible ASCII characters (the filter refuses others unread)\n");
      return 2;
    }
    process.stdout.write(`${JSON.stringify({ id, sha256: apiKeyHash(salt, key), consumer })}\n`);
    return 0;
  }
  if (cmd === "basic") {
    const pbkdf2 = argv.includes("--pbkdf2");
    const rounds = option(argv, "--rounds");
    const rest = argv.filter((a) => a !== "--pbkdf2");
    const [user, pw] = [rest[0], secret(rest[1])];
    const n = rounds === undefined ? 29000 : Number(rounds);
    if (user === undefined || pw === undefined || rest.length !== 2 || user.includes(":") || !Number.isInteger(n) || n < 1000 || n > 1_000_000) {
      process.stderr.write("usage: npm run auth:hash -- basic [--pbkdf2 [--rounds 1000..1000000]] USER PASSWORD|-   (USER without ':')\n");
      return 2;
    }
    process.stdout.write(`${JSON.stringify({ name: user, hash: pbkdf2 ? pbkdf2Entry(pw, n) : shaEntry(pw) })}\n`);
    return 0;
  }
  process.stderr.write("usage: npm run auth:hash -- api-key ... | basic ...\n");
  return 2;
}

process.exitCode = main(process.argv.slice(2));
