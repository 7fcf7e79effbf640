// Cookies of the request: "name=value" pairs separated by ";" in one or more `cookie` headers
// (RFC 6265 §4.2; a client may send several headers, and Envoy passes them as several entries).
// Read as Envoy's Http::Utility::parseCookieValue reads them (so a filter finds the cookie Envoy's
// jwt_authn or hash policy would): spaces before the name are skipped, the name must equal `name`
// exactly (no trimming after it), the value is everything after the first "=" up to the ";", and a
// value in double quotes loses them. The first match wins. Total: any text in, no trap.

/** The value of the first cookie named `name` across the headers' values, or null. */
export function cookieValue(headers: Array<string>, name: string): string | null {
  if (name.length == 0) return null; // no cookie is nameless (Envoy would match "=v")
  for (let h = 0; h < headers.length; h++) {
    const line = unchecked(headers[h]);
    const n = line.length;
    let start = 0;
    while (start < n) {
      let end = line.indexOf(";", start);
      if (end < 0) end = n;
      let s = start;
      while (s < end && line.charCodeAt(s) == 0x20) s++;
      const eq = line.indexOf("=", s);
      if (eq >= 0 && eq < end && eq - s == name.length && line.substring(s, eq) == name) {
        let vs = eq + 1;
        let ve = end;
        if (ve - vs >= 2 && line.charCodeAt(vs) == 0x22 && line.charCodeAt(ve - 1) == 0x22) {
          vs++;
          ve--;
        }
        return line.substring(vs, ve);
      }
      start = end + 1;
    }
  }
  return null;
}
