using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using WorkingPoint.Lab;

namespace WorkingPoint.Server;

/// <summary>How to start a lab server.</summary>
/// <param name="Store">The lab's database.</param>
/// <param name="Urls">Where to listen, e.g. "http://127.0.0.1:5180".</param>
public sealed record LabServerOptions(ILabStore Store, string Urls);

/// <summary>Builds the lab server: the API (<see cref="LabApiEndpoints"/>) and the dashboard (<see cref="Dashboard"/>) over one store.</summary>
public static class LabServer
{
    public static WebApplication Build(LabServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(options.Urls);
        var app = builder.Build();
        app.MapLabApi(options.Store);
        app.MapDashboard(options.Store);
        return app;
    }
}
