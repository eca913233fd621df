/** The `type` of a Stripe API error. */
export type StripeErrorType =
  | "api_error"
  | "card_error"
  | "idempotency_error"
  | "invalid_request_error";

/** The body Stripe answers an error with: `{ "error": { … } }`. */
export interface StripeErrorBody {
  error: {
    type: StripeErrorType;
    message: string;
    code?: string;
    param?: string;
    decline_code?: string;
  };
}

/**
 * An error the fake API answers with, in Stripe's shape and with Stripe's HTTP status. Handlers
 * throw it; the server turns it into the response.
 */
export class StripeApiError extends Error {
  readonly status: number;
  readonly type: StripeErrorType;
  readonly code: string | undefined;
  readonly param: string | undefined;
  readonly declineCode: string | undefined;

  constructor(
    status: number,
    type: StripeErrorType,
    message: string,
    more: { code?: string; param?: string; declineCode?: string } = {},
  ) {
    super(message);
    this.status = status;
    this.type = type;
    this.code = more.code;
    this.param = more.param;
    this.declineCode = more.declineCode;
  }

  /** The JSON body Stripe sends for this error. */
  body(): StripeErrorBody {
    return {
      error: {
        type: this.type,
        message: this.message,
        ...(this.code === undefined ? {} : { code: this.code }),
        ...(this.param === undefined ? {} : { param: this.param }),
        ...(this.declineCode === undefined ? {} : { decline_code: this.declineCode }),
      },
    };
  }
}

/** A request error (400) about one parameter. */
export function invalidParam(param: string, message: string, code?: string): StripeApiError {
  return new StripeApiError(400, "invalid_request_error", message, {
    param,
    ...(code === undefined ? {} : { code }),
  });
}

/** `parameter_missing`, as Stripe words it. */
export function missingParam(param: string): StripeApiError {
  return invalidParam(param, `Missing required param: ${param}.`, "parameter_missing");
}

/**
 * `resource_missing`: 404 for an id in the URL (`param` "id"), 400 for an id passed as a
 * parameter, as Stripe answers.
 */
export function noSuch(kind: string, id: string, param = "id"): StripeApiError {
  return new StripeApiError(
    param === "id" ? 404 : 400,
    "invalid_request_error",
    `No such ${kind}: '${id}'`,
    { code: "resource_missing", param },
  );
}

/** A request Stripe refuses in the object's current state (400, no parameter). */
export function badRequest(message: string, code?: string): StripeApiError {
  return new StripeApiError(
    400,
    "invalid_request_error",
    message,
    code === undefined ? {} : { code },
  );
}

/** The decline every failing test card gives (402 `card_declined`). */
export function cardDeclined(): StripeApiError {
  return new StripeApiError(402, "card_error", "Your card was declined.", {
    code: "card_declined",
    declineCode: "generic_decline",
  });
}

/** What Stripe answers when an automatic charge has no payment method to use. */
export function noPaymentMethod(): StripeApiError {
  return badRequest(
    "This customer has no attached payment source or default payment method. Please consider adding a default payment method.",
    "resource_missing",
  );
}
