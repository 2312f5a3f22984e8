using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using RecoGrid.Training.Data;

namespace RecoGrid.Cli.Offline;

/// <summary>Timing and memory figures for machine-readable reports.</summary>
internal static class RunMeasurements
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>Peak resident memory of this process (VmHWM on Linux) and GC figures.</summary>
    public static JsonObject Memory()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var gc = GC.GetGCMemoryInfo();
        return new JsonObject
        {
            ["peak_memory_bytes"] = process.PeakWorkingSet64,
            ["working_set_bytes"] = process.WorkingSet64,
            ["gc_heap_bytes"] = gc.HeapSizeBytes,
            ["gc_total_allocated_bytes"] = GC.GetTotalAllocatedBytes(),
        };
    }

    public static JsonObject Describe(InteractionStatistics s) => s.ToJson();

    public static JsonArray Array(IEnumerable<double> values) => [.. values.Select(v => JsonValue.Create(v))];

    public static async Task WriteJsonAsync(FileInfo file, JsonNode node, CancellationToken cancellationToken)
    {
        if (file.DirectoryName is { } directory)
        {
            Directory.CreateDirectory(directory);
        }

        await File.WriteAllTextAsync(file.FullName, node.ToJsonString(JsonOptions) + "\n", cancellationToken);
    }

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):F2} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):F1} MiB",
        _ => $"{bytes / 1024.0:F0} KiB",
    };
}
