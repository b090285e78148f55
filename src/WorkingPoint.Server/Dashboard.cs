using Microsoft.AspNetCore.Builder;
using WorkingPoint.Lab;

namespace WorkingPoint.Server;

/// <summary>The lab's server-rendered pages.</summary>
public static class Dashboard
{
    public static WebApplication MapDashboard(this WebApplication app, ILabStore store)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(store);
        return app;
    }
}
