import type { Logger } from "pino";
import type { UploadTicket } from "../services/uploads.js";

/** Per-request variables shared by middleware and routes. */
export interface Timings {
  queue_ms?: number;
  decode_ms?: number;
  detect_ms?: number;
  total_ms?: number;
}

export type AppEnv = {
  Variables: {
    requestId: string;
    /** Set by the auth middleware when a valid key was presented. */
    customer?: string;
    /** Set by the auth middleware: the key is an admin key (FLAKEOPS_ADMIN_KEYS). */
    admin?: boolean;
    /** Filled by the detection routes, logged by the access log. */
    timings: Timings;
    log: Logger;
    /** Aborts when the request's time budget (upload + queue + detection) is spent. */
    deadline?: AbortSignal;
    /** The error code answered, for the access log. */
    errorCode?: string;
    /** Set by receive(): the upload slot, counted by limitBody, given back when the body is in. */
    upload?: UploadTicket;
    /** Set by limitBody to the cap when the body went over it while streaming. */
    bodyOverflow?: number;
  };
};
