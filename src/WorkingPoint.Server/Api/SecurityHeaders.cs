using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using WorkingPoint.Lab;

namespace WorkingPoint.Server.Api;

/// <summary>
/// Headers on every response, API and dashboard alike: scripts, styles and images only from the server itself (no inline script,
/// so injected markup cannot run), no MIME sniffing, no framing, no referrer; API replies are never cached (they carry lab data
/// behind a token).
/// </summary>
public static class SecurityHeaders
{
    public const string ContentSecurityPolicy = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            if (context.Request.Path.StartsWithSegments(LabApi.Prefix, StringComparison.OrdinalIgnoreCase))
            {
                headers.CacheControl = "no-store";
            }

            return Task.CompletedTask;
        });
        return next(context);
    });
}
