using System.Globalization;
using WorkingPoint.Results;

namespace WorkingPoint.Lab.Client;

/// <summary>
/// Uploading many records (an agent's outbox, <c>wpt results push</c>) in batches: one request per batch, which the server stores in one
/// transaction, instead of one request per record. Still idempotent: a batch whose reply is lost is sent again as it was, and the server
/// answers the records it has with their ids and created=false.
/// </summary>
public static class LabUploads
{
    /// <summary>Records per request: a few MB of JSON with <c>bench onnx</c>-sized samples, far below the server's 1,000 and 16 MiB limits.</summary>
    public const int DefaultBatchSize = 100;

    /// <summary>
    /// Uploads <paramref name="items"/> in order, <paramref name="batchSize"/> per request, calling <paramref name="uploaded"/> for each
    /// with its outcome as soon as its batch is answered (so the caller keeps what is done before the next request). A batch the server
    /// refuses for good (a 4xx other than an authorization error, such as a record it cannot store or a body over its size limit) stored
    /// nothing; it is split in halves and sent again until the refused record is alone, which goes to <paramref name="refused"/>, so one bad
    /// record never holds back the others. A server that cannot be reached, or a 5xx, ends the call with that exception; what was
    /// answered before stays answered.
    /// </summary>
    /// <param name="recordOf">The record to send for an item (read when its batch is sent).</param>
    public static async Task UploadAsync<T>(
        ILabClient client,
        IReadOnlyList<T> items,
        Func<T, MeasurementRecord> recordOf,
        Action<T, SaveOutcome> uploaded,
        Action<T, LabServerException> refused,
        int batchSize = DefaultBatchSize,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(recordOf);
        ArgumentNullException.ThrowIfNull(uploaded);
        ArgumentNullException.ThrowIfNull(refused);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        for (var start = 0; start < items.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = items.Skip(start).Take(batchSize).Select(item => (Item: item, Record: recordOf(item))).ToArray();
            await SendAsync(client, batch, uploaded, refused, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task SendAsync<T>(ILabClient client, (T Item, MeasurementRecord Record)[] batch, Action<T, SaveOutcome> uploaded, Action<T, LabServerException> refused, CancellationToken cancellationToken)
    {
        UploadResponse response;
        try
        {
            response = await client.UploadAsync(new UploadRequest([.. batch.Select(b => b.Record)]), cancellationToken).ConfigureAwait(false);
        }
        catch (LabServerException ex) when (!ex.IsRetryable && ex is not LabAuthorizationException)
        {
            if (batch.Length == 1)
            {
                refused(batch[0].Item, ex);
                return;
            }

            // The server refused the whole batch and stored none of it: find the record it refuses by halves.
            var half = batch.Length / 2;
            await SendAsync(client, batch[..half], uploaded, refused, cancellationToken).ConfigureAwait(false);
            await SendAsync(client, batch[half..], uploaded, refused, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (response.Saved.Count != batch.Length)
        {
            throw new LabServerException(string.Create(CultureInfo.InvariantCulture, $"The lab server at {client.Server} answered an upload of {batch.Length} records with {response.Saved.Count} outcomes; is it the same wpt version?"), 200);
        }

        for (var i = 0; i < batch.Length; i++)
        {
            uploaded(batch[i].Item, response.Saved[i]);
        }
    }
}
