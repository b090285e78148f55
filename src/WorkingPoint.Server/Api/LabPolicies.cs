using Microsoft.AspNetCore.Authorization;
using WorkingPoint.Lab;

namespace WorkingPoint.Server.Api;

/// <summary>
/// The rights of <see cref="TokenRole"/> as authorisation policies, one per kind of call; an endpoint names the one it needs
/// (<c>RequireAuthorization(LabPolicies.Read)</c>; the dashboard's pages use <see cref="Read"/> too).
/// </summary>
public static class LabPolicies
{
    /// <summary>Register its device, claim, heartbeat and finish its device's jobs: agents only.</summary>
    public const string Agent = "lab-agent";

    /// <summary>Read devices, jobs and results: readers, submitters, admins (not agents).</summary>
    public const string Read = "lab-read";

    /// <summary>Submit and cancel jobs: submitters and admins.</summary>
    public const string Submit = "lab-submit";

    /// <summary>Upload results: agents (for their own device), submitters and admins.</summary>
    public const string Upload = "lab-upload";

    /// <summary>Create and revoke tokens: admins.</summary>
    public const string Admin = "lab-admin";

    /// <summary>The roles each policy admits, the one table the API's authorisation follows.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<TokenRole>> Roles = new Dictionary<string, IReadOnlyList<TokenRole>>(StringComparer.Ordinal)
    {
        [Agent] = [TokenRole.Agent],
        [Read] = [TokenRole.Reader, TokenRole.Submitter, TokenRole.Admin],
        [Submit] = [TokenRole.Submitter, TokenRole.Admin],
        [Upload] = [TokenRole.Agent, TokenRole.Submitter, TokenRole.Admin],
        [Admin] = [TokenRole.Admin],
    };

    internal static void Add(AuthorizationOptions options)
    {
        foreach (var (policy, roles) in Roles)
        {
            options.AddPolicy(policy, builder => builder
                .AddAuthenticationSchemes(BearerTokenHandler.SchemeName)
                .RequireAuthenticatedUser()
                .RequireRole(roles.Select(r => r.ToString())));
        }
    }
}
