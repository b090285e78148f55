using WorkingPoint.Core;

namespace WorkingPoint.Lab.Client;

/// <summary>The lab server refused a request (4xx, or a 5xx that outlasted the retries); the message is the server's one line, with the status.</summary>
public class LabServerException : WorkingPointException
{
    public LabServerException(string message, int statusCode)
        : base(message)
    {
        StatusCode = statusCode;
    }

    /// <summary>The HTTP status the server answered with.</summary>
    public int StatusCode { get; }

    /// <summary>Whether trying again later may succeed: a server error (5xx) may pass, a refused request (4xx) will not.</summary>
    public virtual bool IsRetryable => StatusCode >= 500;
}

/// <summary>The token was refused (401) or lacks the right (403): trying again never helps; the fix is another token.</summary>
public sealed class LabAuthorizationException(string message, int statusCode) : LabServerException(message, statusCode)
{
    public override bool IsRetryable => false;
}

/// <summary>
/// The server could not be reached (connection refused, name not resolved, timed out, connection dropped): the request may or may
/// not have landed, so whoever retries must be idempotent (uploads are, by key). Always retryable.
/// </summary>
public sealed class LabServerUnreachableException : WorkingPointException
{
    public LabServerUnreachableException(string message, Exception? inner)
        : base(message, inner)
    {
    }
}
