import type { HttpPoster, PostPolicy } from "../delivery/http-post.ts";
import type { Mailer } from "./email.ts";

/** What a channel plug-in needs besides the alert and its channel's settings. */
export interface ChannelContext {
  /** The delivery's id: the same on every retry. */
  deliveryId: string;
  /** Clock time of this attempt, epoch ms. */
  nowMs: number;
  http: HttpPoster;
  policy: PostPolicy;
  /** Bound of one attempt, ms (for email: of each wait on the SMTP server). */
  timeoutMs: number;
  /** webhook only: signing secrets, current first. */
  secrets: readonly string[];
  /** email only: the pooled SMTP transports. */
  mailer: Mailer;
}
