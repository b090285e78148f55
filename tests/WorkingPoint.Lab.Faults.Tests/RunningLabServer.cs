using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WorkingPoint.Server;

namespace WorkingPoint.Lab.Faults.Tests;

/// <summary>The real lab server (<see cref="LabServer.Build"/>) on Kestrel at 127.0.0.1 on a free port, which a test can kill.</summary>
internal sealed class RunningLabServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _killed;

    private RunningLabServer(WebApplication app, ILabStore store, Uri address)
    {
        _app = app;
        Store = store;
        Address = address;
    }

    public ILabStore Store { get; }

    public Uri Address { get; }

    public static async Task<RunningLabServer> StartAsync(ILabStore store, TimeSpan? lease = null, TimeSpan? requeueInterval = null)
    {
        var app = LabServer.Build(new LabServerOptions(store, "http://127.0.0.1:0")
        {
            Lease = lease ?? LabApi.DefaultLease,
            RequeueInterval = requeueInterval ?? TimeSpan.FromMinutes(10),
            // The outages these tests make are logged as warnings, one per refused request; errors (bugs) still show.
            MinimumLogLevel = LogLevel.Error,
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new RunningLabServer(app, store, new Uri(address));
    }

    /// <summary>
    /// Kills the server as a crash would: no grace period (open connections are aborted, requests in flight get no reply), then its
    /// database handles go. Idempotent.
    /// </summary>
    public async Task KillAsync()
    {
        if (Interlocked.Exchange(ref _killed, 1) == 1)
        {
            return;
        }

        try
        {
            await _app.StopAsync(new CancellationToken(canceled: true));
        }
        catch (OperationCanceledException)
        {
            // No grace period was the point.
        }

        await _app.DisposeAsync();
        await Store.DisposeAsync();
    }

    public ValueTask DisposeAsync() => new(KillAsync());
}
