using Microsoft.AspNetCore.Http;
using WorkingPoint.Lab;
using HttpResults = Microsoft.AspNetCore.Http.Results;

namespace WorkingPoint.Server.DashboardPages;

/// <summary>
/// Who is looking at a page. Browsers cannot send a bearer header, so the login page takes a token and keeps it in an HttpOnly,
/// SameSite=Strict cookie (Secure over https); each request verifies it again through <see cref="ILabStore.VerifyTokenAsync"/>
/// (the store keeps only the hash), so a revoked token stops working at once. A bearer header works too (scripts, tests).
/// Reader and above may view; an agent token may not.
/// </summary>
internal static class DashboardAuth
{
    public const string CookieName = "wpt_dashboard";

    private const string PrincipalKey = "wpt.dashboard.principal";

    /// <summary>The viewer as verified by <see cref="RequireViewer"/>.</summary>
    public static LabPrincipal Viewer(HttpContext context) => (LabPrincipal)context.Items[PrincipalKey]!;

    /// <summary>The token the request carries: the bearer header, else the dashboard's cookie.</summary>
    public static string? TokenOf(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header["Bearer ".Length..].Trim();
        }

        return request.Cookies.TryGetValue(CookieName, out var cookie) && !string.IsNullOrWhiteSpace(cookie) ? cookie : null;
    }

    /// <summary>
    /// An endpoint filter: a visit without a valid token is sent to the login page (302; 401 for a bearer header that fails), an
    /// agent's token is refused (403); otherwise the viewer is kept for the page.
    /// </summary>
    public static async ValueTask<object?> RequireViewer(ILabStore store, EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        var token = TokenOf(context.Request);
        var principal = token is null ? null : await store.VerifyTokenAsync(token, context.RequestAborted).ConfigureAwait(false);
        if (principal is null)
        {
            if (context.Request.Headers.Authorization.Count > 0)
            {
                return HttpResults.Text("The token is unknown or revoked: ask a lab admin for a reader token (wpt tokens create).", statusCode: StatusCodes.Status401Unauthorized);
            }

            if (token is not null)
            {
                context.Response.Cookies.Delete(CookieName);
            }

            var back = context.Request.Path + context.Request.QueryString;
            return HttpResults.Redirect($"{DashboardRoutes.Login}?{Html.Query(("return", back))}");
        }

        if (!CanView(principal))
        {
            return HttpResults.Content(Pages.Refused(principal), "text/html; charset=utf-8", statusCode: StatusCodes.Status403Forbidden);
        }

        context.Items[PrincipalKey] = principal;
        return await next(invocation).ConfigureAwait(false);
    }

    public static bool CanView(LabPrincipal principal) => principal.Role is TokenRole.Reader or TokenRole.Submitter or TokenRole.Admin;

    /// <summary>Sets the session cookie: HttpOnly (no script reads it), SameSite=Strict (never sent on a cross-site request), Secure over https.</summary>
    public static void SignIn(HttpContext context, string token) =>
        context.Response.Cookies.Append(CookieName, token, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = "/",
            IsEssential = true,
        });

    public static void SignOut(HttpContext context) =>
        context.Response.Cookies.Delete(CookieName, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = context.Request.IsHttps, Path = "/" });

    /// <summary>
    /// Whether a form post came from this site's own pages. The session cookie is SameSite=Strict, so a cross-site post never carries
    /// it; login and logout need no session, so they also refuse a post whose Origin (or Sec-Fetch-Site) names another site: no one
    /// can log a visitor in under their own token or out from elsewhere.
    /// </summary>
    public static bool IsSameOrigin(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0 && site is not ("same-origin" or "none"))
        {
            return false;
        }

        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0 || origin == "null")
        {
            return origin.Length == 0;
        }

        return Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Where to go after logging in: a local path only (never another site, never "//host").</summary>
    public static string SafeReturn(string? path) =>
        path is { Length: > 0 } p && p[0] == '/' && (p.Length == 1 || (p[1] != '/' && p[1] != '\\')) ? p : DashboardRoutes.Home;
}
