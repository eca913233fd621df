/** The API's refusal of a form's request, shown beside it and announced. */
export function FormError({ error, id }: { error: string | null; id?: string }) {
  return error ? (
    <p role="alert" className="error" id={id}>
      {error}
    </p>
  ) : null;
}
