import type { Finding, Severity } from "@kamiyo/core";

/** Destinations a channel plug-in delivers to. */
export type ChannelKind = "discord" | "slack" | "telegram" | "email" | "webhook";

/**
 * Event types, dotted as Standard Webhooks recommends: a finding opened, escalated or resolved;
 * an exploit incident newly known or materially changed; a summary in place of alerts a cap or a
 * storm held back; an endpoint disabled for failing; a test send.
 */
export type AlertType =
  | "finding.opened"
  | "finding.escalated"
  | "finding.resolved"
  | "exploit.created"
  | "exploit.updated"
  | "alerts.summary"
  | "endpoint.disabled"
  | "webhook.test";

/** What a summary stands in for. */
export interface AlertSummary {
  reason: "daily-cap" | "storm";
  /** Alerts held back since the previous summary, by severity. */
  suppressed: Partial<Record<Severity, number>>;
  /** The window the held-back alerts fell in, epoch ms. */
  from: number;
  to: number;
}

/** Where one source reports an exploit incident. */
export interface ExploitReference {
  source: string;
  sourceKey: string;
  url: string | null;
  /** When the report was first read, ISO 8601, when known. */
  firstSeenAt?: string | null;
}

/**
 * An exploit incident as alerts carry it: a structural copy of the fields of intel's `Incident`
 * that channels show (alerts does not depend on intel; an `Incident` is assignable to it).
 */
export interface ExploitIncident {
  /** `exp_YYYYMMDD_<protocol key>`. */
  id: string;
  protocol: string;
  /** Every other name the sources use. */
  aliases: string[];
  /** UTC day of the incident, `YYYY-MM-DD`. */
  date: string;
  /** When the attack happened, ISO 8601, when a source records it; null (or absent) otherwise. */
  occurredAt?: string | null;
  chains: string[];
  /** Broad class, e.g. "Protocol Logic". */
  classification: string | null;
  /** Free-text technique, e.g. "Reentrancy". */
  technique: string | null;
  /** Loss in USD; null when unknown. */
  lossUsd: number | null;
  /** The loss in the source's own unit when that is not USD. */
  original: { amount: number; unit: string } | null;
  returnedUsd: number | null;
  txHashes: string[];
  references: ExploitReference[];
}

/**
 * One notification: what every channel renders in its own format. A grouped alert carries
 * several findings (the first is the one that triggered it).
 */
export interface Alert {
  /** `alr_…`, stable. */
  id: string;
  tenantId: string;
  type: AlertType;
  severity: Severity;
  title: string;
  /** Clock time the alert was decided, epoch ms. */
  createdAt: number;
  findings: Finding[];
  summary?: AlertSummary;
  /** For exploit.created and exploit.updated: the incident (findings is empty). */
  incident?: ExploitIncident;
  /** For endpoint.disabled: which endpoint and why. */
  endpoint?: { id: string; name: string; url: string; reason: string };
}

/** The JSON body of a webhook delivery (Standard Webhooks' recommended shape). */
export interface WebhookPayload {
  type: AlertType;
  /** ISO 8601. */
  timestamp: string;
  data: unknown;
}

/** The result of one delivery attempt. Channels never throw: every failure is an outcome. */
export type SendOutcome =
  | {
      ok: true;
      status: number | null;
      latencyMs: number;
      /** The start of the response body (at most 1 KB), for the delivery log. */
      excerpt: string;
    }
  | {
      ok: false;
      /** False when retrying cannot help (410 Gone, an address refused by the SSRF guard, bad config). */
      retry: boolean;
      /** The endpoint asked never to be called again (410 Gone): disable it. */
      gone: boolean;
      status: number | null;
      latencyMs: number;
      error: string;
      excerpt: string;
      /** From Retry-After, ms from now; null when absent. */
      retryAfterMs: number | null;
    };
