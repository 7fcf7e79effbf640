// Cookies of the request: "name=value" pairs separated by ";" in one or more `cookie` headers
// (RFC 6265 §4.2; a client may send several headers, and Envoy passes them as several entries).
// Read as Envoy's Http::Utility::parseCookieValue reads them (so a filter finds the cookie Envoy's
// jwt_authn or hash policy would): spaces before the name are skipped, the name must equal `name`
// exactly (no trimming after it), the value is everything after the first "=" up to the ";", and a
// value in double quotes loses them. The first match wins. Total: any text in, no trap.

/** The value of the first cookie named `name` across the headers' values, or null. */
export function cookieValue(headers: Array<string>, name: string): string | null {
  const all = scanCookies(headers, name, true);
  return all.length > 0 ? unchecked(all[0]) : null;
}

/** Every value of cookie `name` across the headers' values, in order (a credential read twice is a duplicate). */
export function cookieValues(headers: Array<string>, name: string): Array<string> {
  return scanCookies(headers, name, false);
}

/**
 * One `cookie` header value without the pairs named exactly `name` (the others kept as written,
 * joined by "; "); "" when nothing is left. An auth filter strips the credential it used this way.
 */
export function withoutCookie(line: string, name: string): string {
  const kept = new Array<string>();
  const n = line.length;
  let start = 0;
  while (start < n) {
    let end = line.indexOf(";", start);
    if (end < 0) end = n;
    let s = start;
    while (s < end && line.charCodeAt(s) == 0x20) s++;
    if (!isPair(line, s, end, name) && s < end) kept.push(line.substring(s, end));
    start = end + 1;
  }
  return kept.join("; ");
}

/** Whether line[s..end) is a pair named exactly `name`. */
function isPair(line: string, s: i32, end: i32, name: string): bool {
  if (name.length == 0) return false; // no cookie is nameless (Envoy would match "=v")
  const eq = line.indexOf("=", s);
  return eq >= 0 && eq < end && eq - s == name.length && line.substring(s, eq) == name;
}

function scanCookies(headers: Array<string>, name: string, firstOnly: bool): Array<string> {
  const out = new Array<string>();
  for (let h = 0; h < headers.length; h++) {
    const line = unchecked(headers[h]);
    const n = line.length;
    let start = 0;
    while (start < n) {
      let end = line.indexOf(";", start);
      if (end < 0) end = n;
      let s = start;
      while (s < end && line.charCodeAt(s) == 0x20) s++;
      if (isPair(line, s, end, name)) {
        let vs = s + name.length + 1;
        let ve = end;
        if (ve - vs >= 2 && line.charCodeAt(vs) == 0x22 && line.charCodeAt(ve - 1) == 0x22) {
          vs++;
          ve--;
        }
        out.push(line.substring(vs, ve));
        if (firstOnly) return out;
      }
      start = end + 1;
    }
  }
  return out;
}
