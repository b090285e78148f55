namespace WorkingPoint.Server.DashboardPages;

/// <summary>The dashboard's paths. The API lives under /api/v1; pages take the rest.</summary>
public static class DashboardRoutes
{
    public const string Home = "/";
    public const string Login = "/login";
    public const string Logout = "/logout";
    public const string Devices = "/devices";
    public const string Jobs = "/jobs";
    public const string Results = "/results";
    public const string Compare = "/compare";
    public const string Matrix = "/matrix";
    public const string UseCases = "/usecases";
    public const string Stylesheet = "/static/dashboard.css";
    public const string Icon = "/static/icon.svg";

    public static string Result(long id) => $"{Results}/{id}";

    public static string UseCase(int index) => $"{UseCases}/{index}";

    /// <summary>A plot of a result's raw samples: latency, throughput, decode-by-context, or roofline (from a roofline run's figures).</summary>
    public static string Plot(long resultId, string plot) => $"/plots/results/{resultId}/{plot}.svg";

    internal static readonly IReadOnlyList<(string Href, string Name)> Navigation =
    [
        (Devices, "Devices"), (Jobs, "Jobs"), (Results, "Results"), (Matrix, "Matrix"), (UseCases, "Use cases"),
    ];
}
