using Microsoft.AspNetCore.Http;
using WorkingPoint.Lab;

namespace WorkingPoint.Server.Api;

/// <summary>The verified holder of the request's token, as the endpoints need it (its role, its device).</summary>
internal static class LabCaller
{
    private static readonly object PrincipalKey = new();
    private static readonly object SecretKey = new();

    public static void Set(HttpContext context, LabPrincipal principal, string secret)
    {
        context.Items[PrincipalKey] = principal;
        context.Items[SecretKey] = secret;
    }

    public static LabPrincipal? Find(HttpContext context) => context.Items.TryGetValue(PrincipalKey, out var value) ? value as LabPrincipal : null;

    /// <summary>The caller of an endpoint that requires authorisation; always there, since the policy ran first.</summary>
    public static LabPrincipal Of(HttpContext context) =>
        Find(context) ?? throw new InvalidOperationException("An endpoint that needs a caller ran without authorisation.");

    /// <summary>The request's secret, to look the token up again after binding it (a concurrent registration may have bound it first).</summary>
    public static string SecretOf(HttpContext context) => (string)context.Items[SecretKey]!;
}
