using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WorkingPoint.Lab;

namespace WorkingPoint.Server.Api;

/// <summary>
/// <c>Authorization: Bearer SECRET</c>, checked against the store's tokens (<see cref="ILabStore.VerifyTokenAsync"/>): the holder
/// becomes the request's user, with its role as a role claim. No token or a bad one: 401; a token whose role lacks the right: 403;
/// both with an <see cref="ApiError"/> that says what to do.
/// </summary>
internal sealed class BearerTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ILabStore store)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    /// <summary>Secrets the store makes are ~70 characters; anything much longer is not one, and is not hashed.</summary>
    private const int MaxSecretLength = 512;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= "Bearer ".Length)
        {
            return AuthenticateResult.Fail("The Authorization header is not 'Bearer TOKEN'; send the token as Authorization: Bearer TOKEN.");
        }

        var secret = header["Bearer ".Length..].Trim();
        if (secret.Length > MaxSecretLength)
        {
            return AuthenticateResult.Fail("The bearer token is not one this lab issued (too long); use a token from wpt serve --create-token or POST /api/v1/tokens.");
        }

        var principal = await store.VerifyTokenAsync(secret, Context.RequestAborted);
        if (principal is null)
        {
            return AuthenticateResult.Fail("The bearer token is unknown or revoked; ask the lab's admin for a token (wpt serve --create-token NAME --role ROLE).");
        }

        LabCaller.Set(Context, principal, secret);
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, principal.TokenId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, principal.Name),
            new(ClaimTypes.Role, principal.Role.ToString()),
        };
        var identity = new ClaimsIdentity(claims, SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        var failure = (await HandleAuthenticateOnceSafeAsync()).Failure?.Message;
        await ApiErrors.WriteAsync(Context, StatusCodes.Status401Unauthorized,
            failure ?? "This call needs a token: send Authorization: Bearer TOKEN (an admin makes one with wpt serve --create-token NAME --role ROLE).");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var role = LabCaller.Find(Context)?.Role.ToString().ToLowerInvariant() ?? "this";
        var policy = Context.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).LastOrDefault(p => p is not null);
        var allowed = policy is not null && LabPolicies.Roles.TryGetValue(policy, out var roles)
            ? string.Join(" or ", roles.Select(r => r.ToString().ToLowerInvariant()))
            : "another";
        return ApiErrors.WriteAsync(Context, StatusCodes.Status403Forbidden,
            $"A {role} token may not make this call ({Request.Method} {Request.Path}); use a token with the {allowed} role.");
    }
}
