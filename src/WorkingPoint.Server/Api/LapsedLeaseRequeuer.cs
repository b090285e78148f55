using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using WorkingPoint.Lab;

namespace WorkingPoint.Server.Api;

/// <summary>
/// Returns running jobs whose lease lapsed (their agent died or lost the network) to the queue every interval, so they show as
/// queued and are claimed again even if their device's agent never asks; claiming does the same for its own device at once.
/// A failing store is logged and tried again next interval: the server keeps serving.
/// </summary>
internal sealed partial class LapsedLeaseRequeuer(ILabStore store, LabApiSettings settings, TimeSpan interval, ILogger<LapsedLeaseRequeuer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, settings.Clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    var requeued = await store.RequeueLapsedAsync(settings.Clock.GetUtcNow(), stoppingToken);
                    if (requeued > 0)
                    {
                        LogRequeued(requeued);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogFailed(ex, interval);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Returned {Count} job(s) with lapsed leases to the queue")]
    private partial void LogRequeued(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Returning lapsed jobs to the queue failed; trying again in {Interval}")]
    private partial void LogFailed(Exception exception, TimeSpan interval);
}
