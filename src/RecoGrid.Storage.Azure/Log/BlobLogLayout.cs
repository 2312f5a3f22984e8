using System.Globalization;
using RecoGrid.Storage.FileSystem.Log;

namespace RecoGrid.Storage.Azure.Log;

/// <summary>
/// Blob names of the log in its container: <c>layout</c> (the partition count), and per partition
/// <c>p007/seg/{first:D20}</c> (segments, in the file backend's <see cref="SegmentFormat"/>), <c>p007/meta/{name}</c>
/// (metadata blobs) and <c>p007/writer.lock</c> (leased by the partition's only writer).
/// </summary>
internal static class BlobLogLayout
{
    public const string LayoutBlob = "layout";

    /// <summary>Blob metadata of a segment: when it was created (Unix ms).</summary>
    public const string CreatedAtKey = "createdat";

    /// <summary>Blob metadata written when a segment is sealed: its valid length; bytes after it (a failed append's) are not part of the log.</summary>
    public const string SealedBytesKey = "sealedbytes";

    /// <summary>Blob metadata of a sealed segment: how many records it holds.</summary>
    public const string RecordsKey = "records";

    /// <summary>Blob metadata of a sealed segment: its highest sequence number.</summary>
    public const string LastSequenceKey = "lastsequence";

    public static string PartitionPrefix(int partition) => "p" + partition.ToString("D3", CultureInfo.InvariantCulture) + "/";

    public static string SegmentPrefix(int partition) => PartitionPrefix(partition) + "seg/";

    public static string SegmentBlob(int partition, long first) => SegmentPrefix(partition) + first.ToString("D20", CultureInfo.InvariantCulture);

    public static string LockBlob(int partition) => PartitionPrefix(partition) + "writer.lock";

    public static string MetadataBlob(int partition, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Length > 100 || name[0] == '.' || name.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_' and not '.'))
        {
            throw new ArgumentException($"'{name}' is not a valid metadata name: use up to 100 ASCII letters, digits, '-', '_' or '.', not starting with '.'.", nameof(name));
        }

        return PartitionPrefix(partition) + "meta/" + name;
    }

    public static bool TryParseSegment(string blobName, int partition, out long first)
    {
        first = 0;
        var prefix = SegmentPrefix(partition);
        return blobName.Length == prefix.Length + 20
            && blobName.StartsWith(prefix, StringComparison.Ordinal)
            && long.TryParse(blobName.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out first);
    }

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static long? ReadNumber(IDictionary<string, string>? metadata, string key) =>
        metadata is not null && metadata.TryGetValue(key, out var text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;
}

/// <summary>A segment blob as listed: its name, first sequence, length, ETag and the metadata stored with it.</summary>
internal sealed record BlobSegment(long FirstSequence, string BlobName, long Length, global::Azure.ETag ETag, DateTimeOffset CreatedAt, long? SealedBytes, long? Records, long? LastSequence)
{
    /// <summary>Bytes that belong to the log: the sealed length when the segment was sealed, else the whole blob.</summary>
    public long ValidBytes => SealedBytes is { } sealedBytes ? Math.Min(sealedBytes, Length) : Length;
}
