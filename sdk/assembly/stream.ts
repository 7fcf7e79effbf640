// `stream_context`: the current stream's headers, trailers and bodies (proxy-runtime style).

import { HeaderMapType } from "./abi/enums";
import { HeaderMapManipulator, HeaderStreamManipulator } from "./headers";
import { BodyManipulator } from "./body";

export class StreamContext {
  headers: HeaderMapManipulator;
  trailers: HeaderMapManipulator;
  body: BodyManipulator;

  constructor(headers: HeaderMapManipulator, trailers: HeaderMapManipulator, body: BodyManipulator) {
    this.headers = headers;
    this.trailers = trailers;
    this.body = body;
  }
}

/** Use this to read and modify the current stream. */
export const stream_context = new StreamContext(
  new HeaderMapManipulator(
    new HeaderStreamManipulator(HeaderMapType.RequestHeaders),
    new HeaderStreamManipulator(HeaderMapType.ResponseHeaders),
    new HeaderStreamManipulator(HeaderMapType.HttpCallResponseHeaders),
  ),
  new HeaderMapManipulator(
    new HeaderStreamManipulator(HeaderMapType.RequestTrailers),
    new HeaderStreamManipulator(HeaderMapType.ResponseTrailers),
    new HeaderStreamManipulator(HeaderMapType.HttpCallResponseTrailers),
  ),
  new BodyManipulator(),
);
