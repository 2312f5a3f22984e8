using System.Runtime.InteropServices;

namespace RecoGrid.Scoring.Retrieval;

/// <summary>
/// The USearch C API (<c>usearch.h</c>) of the native library that the Cloud.Unum.USearch package ships. Declared
/// here rather than used through the package's managed wrapper because serving needs what the wrapper leaves out:
/// reserving capacity and threads for a parallel build, searching into caller buffers, memory usage, the search
/// expansion of a memory-mapped view, and filtered search.
/// </summary>
internal static unsafe partial class UsearchNative
{
    private const string Library = "libusearch_c";

    public enum MetricKind
    {
        Cos = 1,
        InnerProduct = 2,
        L2Squared = 3,
    }

    public enum ScalarKind
    {
        F32 = 1,
        F16 = 3,
        BF16 = 6,
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct InitOptions
    {
        public MetricKind Metric;
        public nint CustomMetric;
        public ScalarKind Quantization;
        public nuint Dimensions;
        public nuint Connectivity;
        public nuint ExpansionAdd;
        public nuint ExpansionSearch;
        public byte Multi;
    }

    [LibraryImport(Library, EntryPoint = "usearch_version")]
    public static partial nint Version();

    [LibraryImport(Library, EntryPoint = "usearch_init")]
    public static partial nint Init(InitOptions* options, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_free")]
    public static partial void Free(nint index, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_save", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void Save(nint index, string path, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_view", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void View(nint index, string path, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_size")]
    public static partial nuint Size(nint index, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_memory_usage")]
    public static partial nuint MemoryUsage(nint index, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_serialized_length")]
    public static partial nuint SerializedLength(nint index, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_hardware_acceleration")]
    public static partial nint HardwareAcceleration(nint index, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_reserve")]
    public static partial void Reserve(nint index, nuint capacity, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_change_expansion_search")]
    public static partial void ChangeExpansionSearch(nint index, nuint expansion, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_change_threads_add")]
    public static partial void ChangeThreadsAdd(nint index, nuint threads, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_change_threads_search")]
    public static partial void ChangeThreadsSearch(nint index, nuint threads, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_add")]
    public static partial void Add(nint index, ulong key, void* vector, ScalarKind kind, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_search")]
    public static partial nuint Search(nint index, void* query, ScalarKind kind, nuint count, ulong* keys, float* distances, out nint error);

    [LibraryImport(Library, EntryPoint = "usearch_filtered_search")]
    public static partial nuint FilteredSearch(
        nint index,
        void* query,
        ScalarKind kind,
        nuint count,
        delegate* unmanaged<ulong, nint, int> filter,
        nint filterState,
        ulong* keys,
        float* distances,
        out nint error);

    /// <summary>Throws when a call reported an error (USearch returns static messages that need no freeing).</summary>
    public static void Check(nint error, string operation)
    {
        if (error != 0)
        {
            throw new AnnIndexException($"USearch {operation} failed: {Marshal.PtrToStringUTF8(error)}");
        }
    }
}

/// <summary>A USearch index could not be built, saved, loaded or searched.</summary>
public sealed class AnnIndexException : Exception
{
    public AnnIndexException(string message)
        : base(message)
    {
    }

    public AnnIndexException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
