using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using WorkingPoint.Lab;
using WorkingPoint.Results;

namespace WorkingPoint.Server.Api;

/// <summary>
/// A request's JSON body, read in full up to <see cref="LabApi.MaxRequestBytes"/> (a declared or streamed body past it is refused
/// with 413 without being buffered further), then parsed with <see cref="ResultJson.Options"/>: a malformed body, a string where a
/// number belongs ("NaN" included: JSON has no NaN) or a missing body is 400 naming where it failed.
/// </summary>
internal static class RequestBodies
{
    public static async Task<byte[]> ReadAsync(HttpRequest request, long maxBytes = LabApi.MaxRequestBytes)
    {
        if (request.ContentLength > maxBytes)
        {
            throw ApiProblemException.TooLarge(ApiErrors.TooLargeMessage);
        }

        var buffer = new ArrayBufferWriter<byte>(checked((int)Math.Min(request.ContentLength ?? 64 * 1024, maxBytes)) + 1);
        while (true)
        {
            var memory = buffer.GetMemory(64 * 1024);
            var read = await request.Body.ReadAsync(memory, request.HttpContext.RequestAborted);
            if (read == 0)
            {
                break;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > maxBytes)
            {
                throw ApiProblemException.TooLarge(ApiErrors.TooLargeMessage);
            }
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The body as a <typeparamref name="T"/>; never null.</summary>
    public static async Task<T> ReadJsonAsync<T>(HttpRequest request) where T : class => Parse<T>(await ReadAsync(request));

    public static T Parse<T>(byte[] body) where T : class
    {
        if (body.Length == 0)
        {
            throw ApiProblemException.BadRequest($"The request has no body; send a JSON {typeof(T).Name} (the OpenAPI document at {LabApi.OpenApi} shows its fields).");
        }

        try
        {
            return JsonSerializer.Deserialize<T>(body, ResultJson.Options)
                ?? throw ApiProblemException.BadRequest($"The body is JSON null; send a JSON {typeof(T).Name} object.");
        }
        catch (JsonException ex)
        {
            throw ApiProblemException.BadRequest(
                $"The body is not a valid {typeof(T).Name} ({Describe(ex)}); fix it and send again — numbers must be finite JSON numbers (NaN and Infinity cannot be sent), enums are written by name.");
        }
    }

    /// <summary>The parser's message names the path and position; its trailing type noise is enough to locate the problem.</summary>
    private static string Describe(JsonException ex)
    {
        var message = ex.Message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)[0].TrimEnd('.');
        return ex.Path is { } path && !message.Contains(path, StringComparison.Ordinal) ? $"at {path}: {message}" : message;
    }
}
