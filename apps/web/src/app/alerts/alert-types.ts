import type { Finding } from "../types.ts";

export type Severity = Finding["severity"];

/** Which alerts a webhook or channel receives (`WebhookFilter`); every field given must match. */
export interface AlertFilter {
  minSeverity?: Severity;
  detectors?: string[];
  kinds?: string[];
  subjects?: string[];
  chains?: string[];
  protocols?: string[];
  categories?: string[];
  minAmountUsd?: number;
}

/** A signed webhook endpoint (`Webhook`): never its secret, only the secret's first characters. */
export interface Webhook {
  id: string;
  url: string;
  name: string;
  description: string | null;
  filter: AlertFilter;
  enabled: boolean;
  disabledReason: string | null;
  failingSince: string | null;
  secretPrefix: string;
  /** After a rotation: until when deliveries are also signed with the previous secret. */
  previousSecretExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** `POST /webhooks` and `POST /webhooks/{id}/rotate-secret`: the secret, in this answer only. */
export type WebhookWithSecret = Webhook & { secret: string };

export type DeliveryStatus = "pending" | "delivered" | "exhausted" | "cancelled";

/** One message to one webhook or channel, with every attempt (`Delivery`). */
export interface Delivery {
  id: string;
  status: DeliveryStatus;
  alert: { id: string; type: string; title: string; severity: Severity };
  nextAttemptAt: string | null;
  lastError: string | null;
  createdAt: string;
  finishedAt: string | null;
  attempts: {
    attempt: number;
    startedAt: string;
    latencyMs: number;
    ok: boolean;
    statusCode: number | null;
    error: string | null;
    excerpt: string;
  }[];
}

export const CHANNEL_KINDS = ["discord", "slack", "telegram"] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** A tenant's chat channel (`ChatChannel`): where it posts, without the secret part. */
export interface Channel {
  id: string;
  kind: ChannelKind;
  name: string;
  target: string;
  filter: AlertFilter;
  enabled: boolean;
  disabledReason: string | null;
  failingSince: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What a silence matches: findings matching every matcher given raise no alert. */
export interface SilenceMatchers {
  detector?: string;
  kind?: string;
  subject?: string;
  severity?: Severity[];
}

export interface Silence {
  id: string;
  matchers: SilenceMatchers;
  comment: string;
  /** The API key id that made it, or `api`. */
  createdBy: string;
  startsAt: string;
  endsAt: string;
  createdAt: string;
  active: boolean;
}

/** A page of a list the API pages with a cursor. */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}
