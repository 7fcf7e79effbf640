// %START_TIME(format)% as Envoy 1.40 renders it, in UTC, written into the render buffer.
//
// Three layers, each as measured in Envoy and as its sources describe the behaviour:
//   1. Envoy's own specifiers: the format is searched left to right for `%f`, `%1f`…`%9f`
//      (sub-second digits, 9 for `%f`) and `%s` (epoch seconds), ignoring `%%` escapes (so "%%s" is
//      "%" followed by the seconds). What lies between them goes to layer 2, piece by piece.
//   2. absl::FormatTime (cctz): `%Y %m %d %e %U %u %W %w %H %M %S %z %Z %s %%`, `%:z %::z %:::z`,
//      `%ET %Ez %E*z %E*S %E*f %E4Y %E#S %E#f` directly after a '%'; runs of '%' pair up, a single
//      '%' at the end stays. Everything else is handed to the C library's strftime, in chunks.
//   3. strftime (glibc, C locale, UTC): flags `_ - 0 ^ #`, a width, the E/O modifiers (no eras,
//      no alternative digits), every conversion glibc knows; an unknown one is copied as written.
//
// A start time is Envoy's stream start (request.time): nanoseconds since the epoch.

import {
  bufAt, bufCase, bufChar, bufLength, bufPadBefore, bufPadded, bufRepeat, bufSlice, bufString, bufTruncate,
  bufUnsigned,
} from "./buffer";

// ---- civil time (UTC) -----------------------------------------------------------------------------

let tYear: i64 = 1970;
let tMon: i32 = 1; // 1..12
let tMday: i32 = 1;
let tHour: i32 = 0;
let tMin: i32 = 0;
let tSec: i32 = 0;
let tWday: i32 = 4; // 0 = Sunday
let tYday: i32 = 0; // 0-based
let tEpoch: i64 = 0; // seconds
let tNanos: i64 = 0; // 0..999999999

function isLeap(y: i64): bool {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

function floorDiv(a: i64, b: i64): i64 {
  const q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/** Breaks `ns` (nanoseconds since the epoch) into the UTC fields above. */
export function setTime(ns: i64): void {
  const secs = floorDiv(ns, 1_000_000_000);
  tEpoch = secs;
  tNanos = ns - secs * 1_000_000_000;
  const days = floorDiv(secs, 86400);
  const rem = <i32>(secs - days * 86400);
  tHour = rem / 3600;
  tMin = (rem % 3600) / 60;
  tSec = rem % 60;
  tWday = <i32>((days % 7 + 11) % 7); // 1970-01-01 was a Thursday (4)
  // days since 0000-03-01 in 400-year eras (the proleptic Gregorian calendar)
  const z = days + 719468;
  const era = floorDiv(z, 146097);
  const doe = z - era * 146097;
  const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const mp = (5 * doy + 2) / 153;
  tMday = <i32>(doy - (153 * mp + 2) / 5 + 1);
  tMon = <i32>(mp < 10 ? mp + 3 : mp - 9);
  tYear = yoe + era * 400 + (tMon <= 2 ? 1 : 0);
  const cum: StaticArray<i32> = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
  tYday = cum[tMon - 1] + tMday - 1 + (tMon > 2 && isLeap(tYear) ? 1 : 0);
}

// Name tables live inside functions: a top-level StaticArray's data would be emitted into every
// filter that imports the SDK, also one that never formats a time.
function weekdayName(full: bool): string {
  const abbr: StaticArray<string> = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const names: StaticArray<string> = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  return full ? names[tWday] : abbr[tWday];
}

function monthName(full: bool): string {
  const abbr: StaticArray<string> = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const names: StaticArray<string> = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December",
  ];
  return full ? names[tMon - 1] : abbr[tMon - 1];
}

function hour12(): i32 {
  return tHour == 0 ? 12 : tHour > 12 ? tHour - 12 : tHour;
}

/** Days from the first day of the ISO week-based year's week 1 to yday (glibc's iso_week_days). */
function isoWeekDays(yday: i32, wday: i32): i32 {
  const big = (366 / 7 + 2) * 7;
  return yday - (yday - wday + 4 + big) % 7 + 3;
}

let isoYear: i64 = 0;
let isoDays: i32 = 0;

function computeIso(): void {
  let year = tYear;
  let days = isoWeekDays(tYday, tWday);
  if (days < 0) {
    year--;
    days = isoWeekDays(tYday + (365 + (isLeap(year) ? 1 : 0)), tWday);
  } else {
    const d = isoWeekDays(tYday - (365 + (isLeap(year) ? 1 : 0)), tWday);
    if (d >= 0) {
      year++;
      days = d;
    }
  }
  isoYear = year;
  isoDays = days;
}

// ---- layer 3: glibc strftime ------------------------------------------------------------------------

// the C locale's D_T_FMT, D_FMT, T_FMT and T_FMT_AMPM are written where they are used (a top-level
// string constant would be emitted into every filter importing the SDK)

// per-conversion state, as glibc keeps it
let gPad: i32 = 0;
let gWidth: i32 = -1;
let gUpper: bool = false;
let gLower: bool = false;

/** glibc's cpy(): `n` units of `s` from `from`, left-padded to the width, case-converted. */
function gCopy(s: string, from: i32, to: i32): void {
  const n = to - from;
  const delta = gWidth - n;
  if (!gRoom(n + (delta > 0 ? delta : 0))) return;
  if (delta > 0) bufRepeat(gPad == 0x30 ? 0x30 : 0x20, delta);
  const mark = bufLength();
  bufSlice(s, from, to);
  if (gLower) bufCase(mark, false);
  else if (gUpper) bufCase(mark, true);
}

function gText(s: string): void {
  gCopy(s, 0, s.length);
}

/** glibc's add(1, c). */
function gChar(c: i32): void {
  if (!gRoom(gWidth > 1 ? gWidth : 1)) return;
  if (gWidth > 1) bufRepeat(gPad == 0x30 ? 0x30 : 0x20, gWidth - 1);
  bufChar(c);
}

/** glibc's do_number: at least `d` digits (or the width), padded as the flags say. */
function gNumber(d: i32, v: i64, spacePad: bool): void {
  if (spacePad && gPad != 0x30 && gPad != 0x2d) gPad = 0x5f;
  gDigits(d > gWidth ? d : gWidth, v);
}

/** glibc's do_number_sign_and_padding with `digits` already decided (%s uses 1, whatever the width). */
function gDigits(digits: i32, v: i64): void {
  if (!gRoom(digits > gWidth ? digits : gWidth)) return;
  const negative = v < 0;
  const u: u64 = negative ? <u64>(0 - v) : <u64>v;
  let n = 0;
  let t = u;
  do { n++; t /= 10; } while (t != 0);
  let signed = negative;
  if (gPad != 0x2d) {
    const padding = digits - (n + (negative ? 1 : 0));
    if (padding > 0) {
      if (gPad == 0x5f) {
        bufRepeat(0x20, padding);
        gWidth = gWidth > padding ? gWidth - padding : 0;
      } else {
        if (negative) {
          bufChar(0x2d);
          signed = false;
        }
        bufRepeat(0x30, padding);
        gWidth = 0;
      }
    }
  }
  const len = n + (signed ? 1 : 0);
  const delta = gWidth - len;
  if (delta > 0) bufRepeat(gPad == 0x30 ? 0x30 : 0x20, delta);
  if (signed) bufChar(0x2d);
  bufUnsigned(u);
}

/** A sub-format (%c %D %F %r %R %T %x %X): formatted, then padded and upper-cased as a whole. */
function gSub(fmt: string): void {
  const width = gWidth;
  const pad = gPad;
  const upper = gUpper;
  const mark = bufLength();
  glibcFormat(fmt, 0, fmt.length);
  const n = bufLength() - mark;
  if (width > n && gRoom(width - n)) {
    // the padding goes before the sub-format's text
    const fill = width - n;
    bufPadBefore(mark, fill, pad == 0x30 ? 0x30 : 0x20);
  }
  if (upper) bufCase(mark, true);
}

// absl's FormatTM gives strftime a buffer of at most 16 times the chunk's size and appends nothing
// when the output does not fit (strftime returns 0): a chunk renders whole or not at all. Measured
// in Envoy 1.40: "%64Y" (64 bytes from a 4-byte chunk) renders, "%65Y" renders nothing. The budget
// also bounds what a hostile width ("%2147483647Y") can make us write.
let gBudget: i32 = 0;
let gOverflow: bool = false;
let gDepth: i32 = 0;

function utf8Length(f: string, start: i32, end: i32): i32 {
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = f.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : (c >= 0xd800 && c < 0xdc00) ? 2 : 3; // a surrogate pair: 4 in all
  }
  return n;
}

/** Whether `n` more units may be written in this chunk (false: the chunk overflows, stop writing). */
function gRoom(n: i32): bool {
  if (gOverflow) return false;
  if (n > gBudget || bufLength() - gChunkMark + n > gBudget) {
    gOverflow = true;
    return false;
  }
  return true;
}

let gChunkMark: i32 = 0;

/** strftime(3) as glibc does it in the C locale for a UTC `struct tm` (units [start, end) of `f`). */
export function glibcFormat(f: string, start: i32, end: i32): void {
  if (gDepth == 0) {
    gBudget = utf8Length(f, start, end) * 16;
    gOverflow = false;
    gChunkMark = bufLength();
  }
  gDepth++;
  glibcChunk(f, start, end);
  gDepth--;
  if (gDepth == 0) {
    // the whole chunk's output, in UTF-8 bytes, must fit the largest buffer strftime is given
    if (gOverflow || utf8LengthOfOutput(gChunkMark) > gBudget) bufTruncate(gChunkMark);
  }
}

function utf8LengthOfOutput(mark: i32): i32 {
  let n = 0;
  const end = bufLength();
  for (let i = mark; i < end; i++) {
    const c = bufAt(i);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : (c >= 0xd800 && c < 0xdc00) ? 2 : 3;
  }
  return n;
}

function glibcChunk(f: string, start: i32, end: i32): void {
  let i = start;
  while (i < end) {
    const c = f.charCodeAt(i);
    if (c != 0x25) {
      if (gRoom(1)) bufChar(c);
      i++;
      continue;
    }
    const pct = i;
    gPad = 0;
    gWidth = -1;
    gUpper = false;
    gLower = false;
    let changeCase = false;
    i++;
    while (i < end) {
      const fl = f.charCodeAt(i);
      if (fl == 0x5f || fl == 0x2d || fl == 0x30) gPad = fl;
      else if (fl == 0x5e) gUpper = true;
      else if (fl == 0x23) changeCase = true;
      else break;
      i++;
    }
    if (i < end && f.charCodeAt(i) >= 0x30 && f.charCodeAt(i) <= 0x39) {
      let w: i64 = 0;
      while (i < end && f.charCodeAt(i) >= 0x30 && f.charCodeAt(i) <= 0x39) {
        w = w * 10 + (f.charCodeAt(i) - 0x30);
        if (w > 0x7fffffff) w = 0x7fffffff;
        i++;
      }
      gWidth = <i32>w;
    }
    let modifier = 0;
    if (i < end && (f.charCodeAt(i) == 0x45 || f.charCodeAt(i) == 0x4f)) {
      modifier = f.charCodeAt(i);
      i++;
    }
    if (i >= end) {
      // '%' (with flags) at the end: copied as written
      gCopy(f, pct, end);
      break;
    }
    const fc = f.charCodeAt(i);
    let bad = false;
    switch (fc) {
      case 0x25: // %
        if (modifier != 0) { bad = true; break; }
        gChar(0x25);
        break;
      case 0x61: // a
      case 0x41: // A
        if (modifier != 0) { bad = true; break; }
        if (changeCase) { gUpper = true; gLower = false; }
        gText(weekdayName(fc == 0x41));
        break;
      case 0x62: // b
      case 0x68: // h
        if (changeCase) { gUpper = true; gLower = false; }
        if (modifier == 0x45) { bad = true; break; }
        gText(monthName(false));
        break;
      case 0x42: // B
        if (modifier == 0x45) { bad = true; break; }
        if (changeCase) { gUpper = true; gLower = false; }
        gText(monthName(true));
        break;
      case 0x63: // c
        if (modifier == 0x4f) { bad = true; break; }
        gSub("%a %b %e %H:%M:%S %Y");
        break;
      case 0x43: { // C
        const y = tYear;
        gNumber(1, y / 100 - (y % 100 < 0 ? 1 : 0), false);
        break;
      }
      case 0x78: // x
        if (modifier == 0x4f) { bad = true; break; }
        gSub("%m/%d/%y");
        break;
      case 0x44: // D
        if (modifier != 0) { bad = true; break; }
        gSub("%m/%d/%y");
        break;
      case 0x64: // d
        if (modifier == 0x45) { bad = true; break; }
        gNumber(2, tMday, false);
        break;
      case 0x65: // e
        if (modifier == 0x45) { bad = true; break; }
        gNumber(2, tMday, true);
        break;
      case 0x46: // F
        if (modifier != 0) { bad = true; break; }
        gSub("%Y-%m-%d");
        break;
      case 0x48: // H
        if (modifier == 0x45) { bad = true; break; }
        gNumber(2, tHour, false);
        break;
      case 0x49: // I
        if (modifier == 0x45) { bad = true; break; }
        gNumber(2, hour12(), false);
        break;
      case 0x6b: // k
        if (modifier == 0x45) { bad = true; break; }
        gNumber(2, tHour, true);
        break;
      case 0x6c: // l
        if (modifier == 0x45) { bad = true; break; }
        gNumber(2, hour12(), true);
        break;
      case 0x6a: // j
        if (modifier == 0x45) { bad = true; break; }
        gNumber(3, tYday + 1, false);
        break;
      case 0x4d: // M
        if (modifier == 0x45) { bad = true; break; }
        gNumber(2, tMin, false);
        break;
      case 0x6d: // m
        if (modifier == 0x45) { bad = true; break; }
        gNumber(2, tMon, false);
        break;
      case 0x6e: // n
        gChar(0x0a);
        break;
      case 0x50: // P
      case 0x70: // p
        if (fc == 0x50) gLower = true;
        if (changeCase) { gUpper = false; gLower = true; }
        gText(tHour > 11 ? "PM" : "AM");
        break;
      case 0x52: // R
        gSub("%H:%M");
        break;
      case 0x72: // r
        gSub("%I:%M:%S %p");
        break;
      case 0x53: // S
        if (modifier == 0x45) { bad = true; break; }
        gNumber(2, tSec, false);
        break;
      case 0x73: // s (the time zone is UTC): one digit minimum, the width pads it as text
        gDigits(1, tEpoch);
        break;
      case 0x58: // X
        if (modifier == 0x4f) { bad = true; break; }
        gSub("%H:%M:%S");
        break;
      case 0x54: // T
        gSub("%H:%M:%S");
        break;
      case 0x74: // t
        gChar(0x09);
        break;
      case 0x75: // u
        gNumber(1, (tWday - 1 + 7) % 7 + 1, false);
        break;
      case 0x55: // U
        if (modifier == 0x45) { bad = true; break; }
        gNumber(2, (tYday - tWday + 7) / 7, false);
        break;
      case 0x56: // V
      case 0x67: // g
      case 0x47: // G
        if (modifier == 0x45) { bad = true; break; }
        computeIso();
        if (fc == 0x67) gNumber(2, (isoYear % 100 + 100) % 100, false);
        else if (fc == 0x47) gNumber(1, isoYear, false);
        else gNumber(2, isoDays / 7 + 1, false);
        break;
      case 0x57: // W
        if (modifier == 0x45) { bad = true; break; }
        gNumber(2, (tYday - (tWday - 1 + 7) % 7 + 7) / 7, false);
        break;
      case 0x77: // w
        if (modifier == 0x45) { bad = true; break; }
        gNumber(1, tWday, false);
        break;
      case 0x59: // Y
        if (modifier == 0x4f) { bad = true; break; }
        gNumber(1, tYear, false);
        break;
      case 0x79: // y
        gNumber(2, (tYear % 100 + 100) % 100, false);
        break;
      case 0x5a: // Z
        if (changeCase) { gUpper = false; gLower = true; }
        gText("UTC");
        break;
      case 0x7a: // z: "+" then the offset (0) as 4 digits
        gChar(0x2b);
        gNumber(4, 0, false);
        break;
      default:
        bad = true;
    }
    // glibc copies back to the nearest '%': the whole conversion, or just the '%' of "%E%"
    if (bad) gCopy(f, fc == 0x25 ? i : pct, i + 1);
    i++;
  }
}

// ---- layer 2: absl::FormatTime --------------------------------------------------------------------

function two(v: i32): void {
  bufChar(0x30 + (v / 10) % 10);
  bufChar(0x30 + v % 10);
}

/** cctz FormatOffset for a zero offset: mode "" → +0000, ":" → +00:00, ":*" → +00:00:00, ":*:" → +00. */
function offset(sep: bool, ext: bool, ccc: bool): void {
  bufChar(0x2b);
  two(0);
  if (!ccc) {
    if (sep) bufChar(0x3a);
    two(0);
  }
  if (ext && !ccc) {
    bufChar(0x3a);
    two(0);
  }
}

/** Femtoseconds of the current second. */
function femtos(): i64 {
  return tNanos * 1_000_000;
}

function pow10(n: i32): i64 {
  let v: i64 = 1;
  for (let i = 0; i < n; i++) v *= 10;
  return v;
}

function isDigit(c: i32): bool {
  return c >= 0x30 && c <= 0x39;
}

/** absl::FormatTime(units [start, end) of `f`) in UTC. */
export function abslFormat(f: string, start: i32, end: i32): void {
  let pending = start;
  let cur = start;
  while (cur != end) {
    let s = cur;
    while (cur != end && f.charCodeAt(cur) != 0x25) cur++;
    if (cur != s && pending == s) {
      bufSlice(f, pending, cur);
      pending = s = cur;
    }
    const percent = cur;
    while (cur != end && f.charCodeAt(cur) == 0x25) cur++;
    if (cur != s && pending == s) {
      const escaped = (cur - pending) / 2;
      bufRepeat(0x25, escaped);
      pending += escaped * 2;
      if (pending != cur && cur == end) {
        bufChar(0x25);
        pending++;
      }
    }
    if (cur == end || (cur - percent) % 2 == 0) continue;

    const c = f.charCodeAt(cur);
    // simple specifiers cctz formats itself
    if (c == 0x59 || c == 0x6d || c == 0x64 || c == 0x65 || c == 0x55 || c == 0x75 || c == 0x57 ||
      c == 0x77 || c == 0x48 || c == 0x4d || c == 0x53 || c == 0x7a || c == 0x5a || c == 0x73) {
      if (cur - 1 != pending) glibcFormat(f, pending, cur - 1);
      switch (c) {
        case 0x59: bufPadded(tYear, 0, 0x30); break;
        case 0x6d: two(tMon); break;
        case 0x64: two(tMday); break;
        case 0x65: {
          if (tMday < 10) bufChar(0x20); else bufChar(0x30 + tMday / 10);
          bufChar(0x30 + tMday % 10);
          break;
        }
        case 0x55: two((tYday - tWday + 7) / 7); break;
        case 0x75: bufPadded(tWday != 0 ? tWday : 7, 0, 0x30); break;
        case 0x57: two((tYday - (tWday - 1 + 7) % 7 + 7) / 7); break;
        case 0x77: bufPadded(tWday, 0, 0x30); break;
        case 0x48: two(tHour); break;
        case 0x4d: two(tMin); break;
        case 0x53: two(tSec); break;
        case 0x7a: offset(false, false, false); break;
        case 0x5a: bufString("UTC"); break;
        case 0x73: bufPadded(tEpoch, 0, 0x30); break;
      }
      pending = ++cur;
      continue;
    }
    // %:z %::z %:::z
    if (c == 0x3a && cur + 1 != end) {
      let colons = 1;
      while (colons < 3 && cur + colons != end && f.charCodeAt(cur + colons) == 0x3a) colons++;
      if (cur + colons != end && f.charCodeAt(cur + colons) == 0x7a) {
        if (cur - 1 != pending) glibcFormat(f, pending, cur - 1);
        offset(true, colons >= 2, colons == 3);
        pending = cur += colons + 1;
        continue;
      }
    }
    if (c != 0x45) continue;
    if (++cur == end) continue;
    const e = f.charCodeAt(cur);
    if (e == 0x54) { // %ET
      if (cur - 2 != pending) glibcFormat(f, pending, cur - 2);
      bufChar(0x54);
      pending = ++cur;
    } else if (e == 0x7a) { // %Ez
      if (cur - 2 != pending) glibcFormat(f, pending, cur - 2);
      offset(true, false, false);
      pending = ++cur;
    } else if (e == 0x2a && cur + 1 != end && f.charCodeAt(cur + 1) == 0x7a) { // %E*z
      if (cur - 2 != pending) glibcFormat(f, pending, cur - 2);
      offset(true, true, false);
      pending = cur += 2;
    } else if (e == 0x2a && cur + 1 != end && (f.charCodeAt(cur + 1) == 0x53 || f.charCodeAt(cur + 1) == 0x66)) {
      // %E*S, %E*f: full precision, trailing zeros dropped
      if (cur - 2 != pending) glibcFormat(f, pending, cur - 2);
      let fs = femtos();
      let digits = 15;
      while (digits > 0 && fs % 10 == 0) { fs /= 10; digits--; }
      if (f.charCodeAt(cur + 1) == 0x53) {
        two(tSec);
        if (digits > 0) {
          bufChar(0x2e);
          bufPadded(fs, digits, 0x30);
        }
      } else {
        if (digits > 0) bufPadded(fs, digits, 0x30);
        else bufChar(0x30);
      }
      pending = cur += 2;
    } else if (e == 0x34 && cur + 1 != end && f.charCodeAt(cur + 1) == 0x59) { // %E4Y
      if (cur - 2 != pending) glibcFormat(f, pending, cur - 2);
      bufPadded(tYear, 4, 0x30);
      pending = cur += 2;
    } else if (isDigit(e)) { // %E#S, %E#f
      let n: i64 = 0;
      let np = cur;
      let ok = true;
      while (np != end && isDigit(f.charCodeAt(np))) {
        n = n * 10 + (f.charCodeAt(np) - 0x30);
        if (n > 1024) ok = false;
        if (n > 0x7fffffff) n = 0x7fffffff;
        np++;
      }
      if (ok && np != end && (f.charCodeAt(np) == 0x53 || f.charCodeAt(np) == 0x66)) {
        if (cur - 2 != pending) glibcFormat(f, pending, cur - 2);
        const isS = f.charCodeAt(np) == 0x53;
        if (isS) two(tSec);
        if (n > 0) {
          let k = <i32>n;
          if (k > 18) k = 18;
          const fs = femtos();
          const v = k > 15 ? fs * pow10(k - 15) : fs / pow10(15 - k);
          if (isS) bufChar(0x2e);
          bufPadded(v, k, 0x30);
        }
        pending = cur = np + 1;
      }
    }
  }
  if (end != pending) glibcFormat(f, pending, end);
}

// ---- layer 1: Envoy's specifiers ----------------------------------------------------------------------

/** A compiled START_TIME format: literal segments for absl, and Envoy's own specifiers between them. */
export class TimeFormat {
  text: string;
  /** per piece: segment [segStart, segEnd) of `text` for absl, then a specifier (kind) after it */
  segStart: Array<i32> = new Array<i32>();
  segEnd: Array<i32> = new Array<i32>();
  /** 0: none (last piece), 1..9: that many sub-second digits, 10: epoch seconds */
  kind: Array<i32> = new Array<i32>();

  constructor(text: string) {
    this.text = text;
    let from = 0;
    let i = 0;
    const n = text.length;
    while (i < n) {
      if (text.charCodeAt(i) == 0x25 && i + 1 < n) {
        const c1 = text.charCodeAt(i + 1);
        let k = 0;
        let w = 0;
        if (c1 >= 0x31 && c1 <= 0x39 && i + 2 < n && text.charCodeAt(i + 2) == 0x66) { k = c1 - 0x30; w = 3; }
        else if (c1 == 0x66) { k = 9; w = 2; }
        else if (c1 == 0x73) { k = 10; w = 2; }
        if (k != 0) {
          this.segStart.push(from);
          this.segEnd.push(i);
          this.kind.push(k);
          i += w;
          from = i;
          continue;
        }
      }
      i++;
    }
    if (from < n) {
      this.segStart.push(from);
      this.segEnd.push(n);
      this.kind.push(0);
    }
  }

  /** Writes the time `ns` (nanoseconds since the epoch) as this format says. */
  render(ns: i64): void {
    setTime(ns);
    for (let p = 0; p < this.kind.length; p++) {
      const s = unchecked(this.segStart[p]);
      const e = unchecked(this.segEnd[p]);
      if (e > s) abslFormat(this.text, s, e);
      const k = unchecked(this.kind[p]);
      if (k == 10) bufPadded(tEpoch, 0, 0x30);
      else if (k > 0) {
        // the first k of the 9 sub-second digits
        let v = tNanos;
        for (let d = k; d < 9; d++) v /= 10;
        bufPadded(v, k, 0x30);
      }
    }
  }
}

/** Envoy's default START_TIME format (AccessLogDateTimeFormatter). */
export function defaultTimeFormat(): string {
  return "%Y-%m-%dT%H:%M:%E3SZ";
}

/**
 * Whether Envoy refuses `fmt` for holding a newline conversion: it searches for
 * `%[-_0^#]*[1-9]*(E|O)?n` anywhere (escapes not considered). Returns the offset or -1.
 */
export function newlineConversionAt(fmt: string): i32 {
  const n = fmt.length;
  for (let i = 0; i < n; i++) {
    if (fmt.charCodeAt(i) != 0x25) continue;
    let j = i + 1;
    while (j < n) {
      const c = fmt.charCodeAt(j);
      if (c == 0x2d || c == 0x5f || c == 0x30 || c == 0x5e || c == 0x23) j++;
      else break;
    }
    while (j < n && fmt.charCodeAt(j) >= 0x31 && fmt.charCodeAt(j) <= 0x39) j++;
    if (j < n && (fmt.charCodeAt(j) == 0x45 || fmt.charCodeAt(j) == 0x4f)) {
      if (j + 1 < n && fmt.charCodeAt(j + 1) == 0x6e) return i;
      continue;
    }
    if (j < n && fmt.charCodeAt(j) == 0x6e) return i;
  }
  return -1;
}
