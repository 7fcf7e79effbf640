// Cookies of the request: "name=value" pairs separated by ";" in one or more `cookie` headers
// (RFC 6265 §4.2; a client may send several headers, and Envoy passes them as several entries).
// A value in double quotes loses the quotes. Total: any text in, no trap.

/** The value of the first cookie named `name` across the headers' values, or null. */
export function cookieValue(headers: Array<string>, name: string): string | null {
  for (let h = 0; h < headers.length; h++) {
    const line = unchecked(headers[h]);
    let start = 0;
    for (;;) {
      let end = line.indexOf(";", start);
      if (end < 0) end = line.length;
      const piece = line.substring(start, end).trim();
      const eq = piece.indexOf("=");
      if (eq > 0 && piece.substring(0, eq).trim() == name) {
        let v = piece.substring(eq + 1).trim();
        if (v.length >= 2 && v.charCodeAt(0) == 0x22 && v.charCodeAt(v.length - 1) == 0x22) v = v.substring(1, v.length - 1);
        return v;
      }
      if (end >= line.length) break;
      start = end + 1;
    }
  }
  return null;
}
