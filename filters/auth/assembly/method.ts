// What every authentication method hands back: its outcome, what it found, and the credential it
// used (the one the filter strips before the request goes upstream).
import { Extraction, Found } from "./credential";
import { Outcome } from "./outcome";

export class MethodResult {
  outcome: Outcome = new Outcome();
  extraction: Extraction;
  used: Found | null = null;
  /** the method's configuration keeps the credential on the request upstream */
  forward: bool = false;

  constructor(extraction: Extraction) {
    this.extraction = extraction;
  }
}
