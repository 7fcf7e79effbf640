// The WWW-Authenticate grammar (RFC 7235): the challenges of a 401, as auth.ts acts on them. A
// parser alone, with no HTTP and no state, so that it can be tested on its own.

export interface Challenge {
  /** lower case: "basic", "bearer" */
  scheme: string;
  /** parameter names in lower case */
  params: Record<string, string>;
}

/** Parses WWW-Authenticate values (RFC 7235): several challenges, quoted values with commas and spaces. */
export function parseChallenges(values: string[]): Challenge[] {
  const out: Challenge[] = [];
  const tokenChar = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
  for (const v of values) {
    let i = 0;
    let current: Challenge | undefined;
    const skipSpace = (): void => { while (i < v.length && (v[i] === " " || v[i] === "\t")) i++; };
    while (i < v.length) {
      while (i < v.length && (v[i] === " " || v[i] === "\t" || v[i] === ",")) i++;
      const start = i;
      while (i < v.length && tokenChar.test(v[i])) i++;
      if (i === start) { i++; continue; }
      const word = v.slice(start, i);
      skipSpace();
      if (v[i] === "=" && current !== undefined) {
        i++;
        skipSpace();
        let value = "";
        if (v[i] === '"') {
          for (i++; i < v.length && v[i] !== '"'; i++) value += v[i] === "\\" && i + 1 < v.length ? v[++i] : v[i];
          i++;
        } else {
          const vs = i;
          while (i < v.length && v[i] !== "," && v[i] !== " ") i++;
          value = v.slice(vs, i);
        }
        current.params[word.toLowerCase()] = value;
      } else {
        current = { scheme: word.toLowerCase(), params: {} };
        out.push(current);
      }
    }
  }
  return out;
}
