using System.Globalization;
using System.Text;
using RecoGrid.Training.Data;

namespace RecoGrid.Training.Synthetic;

/// <summary>A generated data set in memory, with the structure planted in it.</summary>
public sealed class SyntheticDataset
{
    internal SyntheticDataset(CsrMatrix userItems, long[] timestamps, int[] userClusters, int[] itemClusters)
    {
        UserItems = userItems;
        Timestamps = timestamps;
        UserClusters = userClusters;
        ItemClusters = itemClusters;
    }

    /// <summary>The user × item matrix; every value is 1.</summary>
    public CsrMatrix UserItems { get; }

    /// <summary>Timestamp of each non-zero, aligned with <see cref="CsrMatrix.Values"/>.</summary>
    public long[] Timestamps { get; }

    /// <summary>Primary taste cluster of each user.</summary>
    public int[] UserClusters { get; }

    /// <summary>Taste cluster of each item.</summary>
    public int[] ItemClusters { get; }

    /// <summary>As <see cref="InteractionData"/>, with ids "0", "1", … as the CSV writer names them.</summary>
    public InteractionData ToInteractionData() => InteractionData.FromMatrix(UserItems, Timestamps);
}

/// <summary>
/// Generates implicit-feedback data with planted structure (see <see cref="SyntheticOptions"/>): in memory as CSR,
/// or streamed to CSV (<c>user,item,value,timestamp</c>) one user at a time. Both give the same interactions for a seed.
/// </summary>
public static class SyntheticGenerator
{
    /// <summary>The CSV header written by <see cref="WriteCsv(SyntheticOptions, TextWriter, IProgress{long}?, CancellationToken)"/>.</summary>
    public const string CsvHeader = "user,item,value,timestamp";

    /// <summary>Generates the data set as a CSR matrix (items sorted within each row).</summary>
    public static SyntheticDataset Generate(SyntheticOptions options, CancellationToken cancellationToken = default)
    {
        var model = new SyntheticModel(options);
        var nonZeros = checked((int)options.Interactions);
        var rowPointers = new int[options.Users + 1];
        var columns = new int[nonZeros];
        var values = new float[nonZeros];
        Array.Fill(values, 1f);
        var timestamps = new long[nonZeros];
        var offset = 0;
        for (var u = 0; u < options.Users; u++)
        {
            if ((u & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var count = model.UserCounts[u];
            var items = columns.AsSpan(offset, count);
            var times = timestamps.AsSpan(offset, count);
            model.SampleUser(u, items, times);
            items.Sort(times);
            offset += count;
            rowPointers[u + 1] = offset;
        }

        var matrix = new CsrMatrix(options.Users, options.Items, rowPointers, columns, values);
        return new SyntheticDataset(matrix, timestamps, model.UserClusters, model.ItemClusters);
    }

    /// <summary>Streams the data set to a CSV file with a header; memory stays O(users + items).</summary>
    public static void WriteCsv(SyntheticOptions options, string path, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false), bufferSize: 1 << 16);
        WriteCsv(options, writer, progress, cancellationToken);
    }

    /// <summary>Streams the data set as CSV lines (header first) to <paramref name="writer"/>; reports interactions written.</summary>
    public static void WriteCsv(SyntheticOptions options, TextWriter writer, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var model = new SyntheticModel(options);
        var items = new int[model.MaxCount];
        var times = new long[model.MaxCount];
        Span<char> line = stackalloc char[64];
        writer.Write(CsvHeader);
        writer.Write('\n');
        long written = 0;
        for (var u = 0; u < options.Users; u++)
        {
            if ((u & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                progress?.Report(written);
            }

            var count = model.UserCounts[u];
            model.SampleUser(u, items, times);
            for (var k = 0; k < count; k++)
            {
                var length = Format(line, u, items[k], times[k]);
                writer.Write(line[..length]);
            }

            written += count;
        }

        writer.Flush();
        progress?.Report(written);
    }

    private static int Format(Span<char> line, int user, int item, long time)
    {
        var n = 0;
        user.TryFormat(line, out var w, provider: CultureInfo.InvariantCulture);
        n += w;
        line[n++] = ',';
        item.TryFormat(line[n..], out w, provider: CultureInfo.InvariantCulture);
        n += w;
        line[n++] = ',';
        line[n++] = '1';
        line[n++] = ',';
        time.TryFormat(line[n..], out w, provider: CultureInfo.InvariantCulture);
        n += w;
        line[n++] = '\n';
        return n;
    }
}
