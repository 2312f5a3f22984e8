using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using RecoGrid.Storage.FileSystem.Log;

namespace RecoGrid.Storage.Azure.Log;

/// <summary>
/// Ranged reads of one segment blob for the segment scanner. With an ETag every read is conditioned on it, so a read
/// never mixes two versions of a compacted segment (<see cref="SegmentChangedException"/> says to start again).
/// </summary>
internal sealed class BlobRangeReader(BlobClient blob, ETag? etag)
{
    public string Location => blob.Uri.ToString();

    /// <summary>Reads and checks the segment header.</summary>
    public async Task CheckHeaderAsync(long firstSequence, CancellationToken cancellationToken)
    {
        var header = new byte[SegmentFormat.HeaderSize];
        var read = await ReadAsync(header, 0, cancellationToken);
        SegmentFormat.ReadHeader(header.AsSpan(0, read), Location, firstSequence);
    }

    public SegmentScanner Scanner(long start, long end, long expectedSequence, SegmentScanMode mode, long sequenceLimit = long.MaxValue) =>
        new(ReadAsync, AzureInteractionLogStore.ReadChunkBytes, Location, start, end, expectedSequence, mode, sequenceLimit);

    /// <summary>Fills <paramref name="destination"/> from <paramref name="offset"/>; fewer bytes at the blob's end.</summary>
    public async ValueTask<int> ReadAsync(Memory<byte> destination, long offset, CancellationToken cancellationToken)
    {
        if (destination.Length == 0)
        {
            return 0;
        }

        try
        {
            var response = await blob.DownloadStreamingAsync(new BlobDownloadOptions
            {
                Range = new HttpRange(offset, destination.Length),
                Conditions = etag is { } e ? new BlobRequestConditions { IfMatch = e } : null,
            }, cancellationToken);
            await using var stream = response.Value.Content;
            var total = 0;
            while (total < destination.Length)
            {
                var read = await stream.ReadAsync(destination[total..], cancellationToken);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }

            return total;
        }
        catch (RequestFailedException error) when (error.Status == 416)
        {
            return 0; // The range starts at or past the end.
        }
        catch (RequestFailedException error) when (error.Status == 412 || (error.Status == 404 && etag is not null))
        {
            throw new SegmentChangedException($"Log segment '{Location}' changed while it was read.", error);
        }
    }
}
