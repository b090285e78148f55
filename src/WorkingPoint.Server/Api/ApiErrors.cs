using System.Data.Common;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WorkingPoint.Core;
using WorkingPoint.Lab;
using WorkingPoint.Results;

namespace WorkingPoint.Server.Api;

/// <summary>A request the API refuses: the status and the one line (problem and fix) its <see cref="ApiError"/> carries. Thrown before the store is changed.</summary>
internal sealed class ApiProblemException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public static ApiProblemException BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);

    public static ApiProblemException Forbidden(string message) => new(StatusCodes.Status403Forbidden, message);

    public static ApiProblemException NotFound(string message) => new(StatusCodes.Status404NotFound, message);

    public static ApiProblemException Conflict(string message) => new(StatusCodes.Status409Conflict, message);

    public static ApiProblemException TooLarge(string message) => new(StatusCodes.Status413PayloadTooLarge, message);
}

/// <summary>Every error as an <see cref="ApiError"/>: refusals (<see cref="ApiProblemException"/>, a user's bad value, a body over the limit), unknown API routes, and bugs (500, logged, no trace to the client).</summary>
internal static partial class ApiErrors
{
    public static Task WriteAsync(HttpContext context, int statusCode, string message)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json; charset=utf-8";
        return JsonSerializer.SerializeAsync(context.Response.Body, new ApiError(OneLine(message)), ResultJson.Options, context.RequestAborted);
    }

    /// <summary>The one line as plain text, for a dashboard page's visitor.</summary>
    public static Task WriteTextAsync(HttpContext context, int statusCode, string message)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(OneLine(message) + "\n", context.RequestAborted);
    }

    public static IApplicationBuilder UseApiErrors(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
            if (!context.Response.HasStarted && context.Response.ContentLength is null && IsApi(context.Request.Path)
                && context.Response.StatusCode is StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed)
            {
                var message = context.Response.StatusCode == StatusCodes.Status404NotFound
                    ? $"There is no API route {context.Request.Path}; the routes are listed in {LabApi.OpenApi}."
                    : $"{context.Request.Method} is not allowed on {context.Request.Path}; the routes and their methods are listed in {LabApi.OpenApi}.";
                await WriteAsync(context, context.Response.StatusCode, message);
            }
        }
        catch (Exception ex) when (!context.Response.HasStarted && Refusal(ex) is { } refusal)
        {
            await WriteAsync(context, refusal.StatusCode, refusal.Message);
        }
        catch (Exception ex) when (!context.Response.HasStarted && DatabaseUnavailable(ex) is { } reason)
        {
            // The database restarting or out of reach is no bug and no refusal: the caller tries again (uploads are idempotent by key).
            LogDatabaseUnavailable(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("WorkingPoint.Server"), context.Request.Method, context.Request.Path, reason);
            context.Response.Headers.RetryAfter = RetryAfterSeconds;
            if (IsApi(context.Request.Path))
            {
                await WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
                    $"The lab's database is unavailable ({reason}); try again in a few seconds: an upload retried with the same records is stored once.");
            }
            else
            {
                // A page's visitor is a person in a browser: the line as text, which a browser shows as it is.
                await WriteTextAsync(context, StatusCodes.Status503ServiceUnavailable,
                    $"The lab's database is unavailable ({reason}); the dashboard works again once it is back: reload the page in a few seconds.");
            }
        }
        catch (Exception ex) when (!context.Response.HasStarted && ex is not OperationCanceledException)
        {
            LogUnhandled(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("WorkingPoint.Server"), ex, context.Request.Method, context.Request.Path);
            await WriteAsync(context, StatusCodes.Status500InternalServerError, $"The server failed on this request ({ex.GetType().Name}); it is a bug in wpt serve, and its log has the details.");
        }
    });

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database is unavailable on {Method} {Path}: {Reason}")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string method, PathString path, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, PathString path);

    private static (int StatusCode, string Message)? Refusal(Exception ex) => ex switch
    {
        ApiProblemException problem => (problem.StatusCode, problem.Message),
        BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status413PayloadTooLarge => (bad.StatusCode, TooLargeMessage),
        BadHttpRequestException bad => (bad.StatusCode, $"The request could not be read ({bad.Message}); send a well-formed HTTP request."),
        InvalidInputException invalid => (StatusCodes.Status400BadRequest, invalid.Message),
        _ => null,
    };

    private const string RetryAfterSeconds = "2";

    /// <summary>
    /// The one-line reason when <paramref name="ex"/> is the database failing under the request (a connection refused, dropped or timed
    /// out, the server shutting down), not the request being wrong: the store's one line for it, or the driver's transient error's.
    /// Null for anything else.
    /// </summary>
    private static string? DatabaseUnavailable(Exception ex) => ex switch
    {
        ResultStoreException { InnerException: DbException or TimeoutException or SocketException or IOException } store => OneLine(store.Message),
        DbException { IsTransient: true } database => OneLine(database.Message),
        _ => null,
    };

    public static readonly string TooLargeMessage =
        $"The request body is larger than {LabApi.MaxRequestBytes / (1024 * 1024)} MiB; send fewer records per upload (or fewer raw samples per record).";

    private static bool IsApi(PathString path) => path.StartsWithSegments(LabApi.Prefix, StringComparison.OrdinalIgnoreCase);

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
