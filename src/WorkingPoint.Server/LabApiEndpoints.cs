using Microsoft.AspNetCore.Builder;
using WorkingPoint.Lab;

namespace WorkingPoint.Server;

/// <summary>The HTTP API of <see cref="LabApi"/>.</summary>
public static class LabApiEndpoints
{
    public static WebApplication MapLabApi(this WebApplication app, ILabStore store)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(store);
        return app;
    }
}
