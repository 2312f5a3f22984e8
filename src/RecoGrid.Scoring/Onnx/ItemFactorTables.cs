using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace RecoGrid.Scoring.Onnx;

/// <summary>
/// A model version's item factors in the two layouts its graphs read, each with the zero dummy item that pads
/// exclusion and candidate lists: item-major <c>[items + 1, factors]</c> for the candidate graph's row gather, and
/// transposed <c>[factors, items + 1]</c> for the full-catalogue MatMul. They live outside the ONNX protobuf (which
/// cannot exceed 2 GB; 10 million items × 64 factors is 2.56 GB per layout) as ONNX external data files in
/// <see cref="Directory"/>, read-only memory-mapped and handed to ONNX Runtime as shared initializers, so a loaded version
/// costs page cache rather than heap and ONNX Runtime keeps no copy. Reference counted: the artifact and each model
/// loaded from it hold a reference; the mapping goes with the last one (and the folder too when the tables own it).
/// </summary>
public sealed unsafe class ItemFactorTables : IDisposable
{
    /// <summary>External data file of the item-major table (float32 little-endian).</summary>
    public const string ItemMajorFileName = "item_factors.f32";

    /// <summary>External data file of the transposed table (float32 little-endian).</summary>
    public const string TransposedFileName = "item_factors_t.f32";

    private const int TransposeBlock = 512;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> ScratchFolders = new(StringComparer.Ordinal);
    private readonly Buffer _itemMajor;
    private readonly Buffer _transposed;
    private int _references = 1;

    private readonly bool _ownsDirectory;

    private ItemFactorTables(string directory, int items, int factors, Buffer itemMajor, Buffer transposed, bool ownsDirectory)
    {
        Directory = directory;
        Items = items;
        Factors = factors;
        _itemMajor = itemMajor;
        _transposed = transposed;
        _ownsDirectory = ownsDirectory;
    }

    /// <summary>The folder holding the two files (beside the graphs that name them as external data).</summary>
    public string Directory { get; }

    /// <summary>Items, not counting the dummy.</summary>
    public int Items { get; }

    public int Factors { get; }

    /// <summary>Floats per table: (items + 1) × factors.</summary>
    public long Length => (long)(Items + 1) * Factors;

    /// <summary>Item-major factors, items + 1 rows (the last is the zero dummy).</summary>
    public ReadOnlySpan<float> ItemMajor => new((void*)Pointer(_itemMajor), checked((int)Length));

    /// <summary>Transposed factors, factors rows of items + 1 (the last column is the zero dummy).</summary>
    public ReadOnlySpan<float> Transposed => new((void*)Pointer(_transposed), checked((int)Length));

    /// <summary>The factor row of item <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> ItemVector(int index) => ItemMajor.Slice(index * Factors, Factors);

    internal nint ItemMajorPointer => Pointer(_itemMajor);

    internal nint TransposedPointer => Pointer(_transposed);

    /// <summary>
    /// Writes both layouts of row-major item factors (items × factors) into <paramref name="directory"/> and maps them.
    /// With <paramref name="ownsDirectory"/> the folder is deleted once the last reference is released.
    /// </summary>
    public static ItemFactorTables Write(string directory, ReadOnlySpan<float> itemFactors, int factors, bool ownsDirectory = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(factors, 1);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("ONNX external data is little-endian.");
        }

        var items = itemFactors.Length / factors;
        var length = checked((int)((long)(items + 1) * factors));
        System.IO.Directory.CreateDirectory(directory);
        using (var stream = Create(Path.Combine(directory, ItemMajorFileName)))
        {
            WriteFloats(stream, itemFactors);
            WriteFloats(stream, new float[factors]);
        }

        // One transposed copy in memory while it is written: a blocked transpose reads the factors once.
        var transposed = new float[length];
        Transpose(itemFactors, items, factors, transposed);
        using (var stream = Create(Path.Combine(directory, TransposedFileName)))
        {
            WriteFloats(stream, transposed);
        }

        return Map(directory, items, factors, ownsDirectory);
    }

    static ItemFactorTables()
    {
        // Scratch folders whose artifact was never disposed go at exit at the latest (mapped files may be unlinked).
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var folder in ScratchFolders.Keys)
            {
                DeleteScratch(folder);
            }
        };
    }

    /// <summary>Memory-maps the two files written by <see cref="Write"/> (read-only; they must stay in place while used).</summary>
    public static ItemFactorTables Map(string directory, int items, int factors, bool ownsDirectory = false)
    {
        var expected = (long)(items + 1) * factors * sizeof(float);
        if (ownsDirectory)
        {
            ScratchFolders[Path.GetFullPath(directory)] = true;
        }

        MappedBuffer? itemMajor = null;
        try
        {
            itemMajor = MappedBuffer.Open(Path.Combine(directory, ItemMajorFileName), expected);
            var transposed = MappedBuffer.Open(Path.Combine(directory, TransposedFileName), expected);
            return new ItemFactorTables(Path.GetFullPath(directory), items, factors, itemMajor, transposed, ownsDirectory);
        }
        catch
        {
            itemMajor?.Dispose();
            throw;
        }
    }

    /// <summary>Copies both files into <paramref name="directory"/> (nothing to do when they are already there).</summary>
    public void CopyTo(string directory)
    {
        var target = Path.GetFullPath(directory);
        if (string.Equals(target, Directory, StringComparison.Ordinal))
        {
            return;
        }

        System.IO.Directory.CreateDirectory(target);
        File.Copy(Path.Combine(Directory, ItemMajorFileName), Path.Combine(target, ItemMajorFileName), overwrite: true);
        File.Copy(Path.Combine(Directory, TransposedFileName), Path.Combine(target, TransposedFileName), overwrite: true);
    }

    /// <summary>True when <paramref name="directory"/> holds saved tables (artifacts from before external data do not).</summary>
    public static bool ExistIn(string directory) =>
        File.Exists(Path.Combine(directory, ItemMajorFileName)) && File.Exists(Path.Combine(directory, TransposedFileName));

    /// <summary>Takes another reference (a model loaded from the artifact); dispose it when done.</summary>
    public ItemFactorTables Acquire()
    {
        SharedReference.Acquire(ref _references, this);
        return this;
    }

    /// <summary>Releases one reference; the memory is released with the last.</summary>
    public void Dispose()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            _itemMajor.Dispose();
            _transposed.Dispose();
            if (_ownsDirectory)
            {
                DeleteScratch(Directory);
            }
        }
    }

    private nint Pointer(Buffer buffer)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _references) <= 0, this);
        return buffer.Pointer;
    }

    private static void DeleteScratch(string folder)
    {
        ScratchFolders.TryRemove(folder, out _);
        try
        {
            System.IO.Directory.Delete(folder, recursive: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // A scratch folder left in the temp directory is harmless.
        }
    }

    private static FileStream Create(string path) => new(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);

    private static void WriteFloats(FileStream stream, ReadOnlySpan<float> values)
    {
        const int Chunk = 1 << 24;
        for (var offset = 0; offset < values.Length; offset += Chunk)
        {
            stream.Write(MemoryMarshal.AsBytes(values.Slice(offset, Math.Min(Chunk, values.Length - offset))));
        }
    }

    /// <summary>
    /// Transposes items × factors into factors × (items + 1), leaving the dummy column zero; blocks of items are read
    /// once each, in parallel.
    /// </summary>
    private static void Transpose(ReadOnlySpan<float> source, int items, int factors, float[] destination)
    {
        var columns = items + 1;
        var blocks = (items + TransposeBlock - 1) / TransposeBlock;
        fixed (float* pointer = source)
        {
            var from = (nint)pointer;
            Parallel.For(0, blocks, block =>
            {
                var rows = (float*)from;
                var end = Math.Min(items, (block + 1) * TransposeBlock);
                for (var item = block * TransposeBlock; item < end; item++)
                {
                    var row = rows + ((long)item * factors);
                    for (var j = 0; j < factors; j++)
                    {
                        destination[((long)j * columns) + item] = row[j];
                    }
                }
            });
        }
    }

    private abstract class Buffer : IDisposable
    {
        public abstract nint Pointer { get; }

        public abstract void Dispose();
    }

    private sealed class MappedBuffer : Buffer
    {
        private readonly MemoryMappedFile _file;
        private readonly MemoryMappedViewAccessor _view;
        private readonly byte* _pointer;

        private MappedBuffer(MemoryMappedFile file, MemoryMappedViewAccessor view)
        {
            _file = file;
            _view = view;
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            _pointer = pointer + view.PointerOffset;
        }

        public override nint Pointer => (nint)_pointer;

        public static MappedBuffer Open(string path, long expectedBytes)
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new FileNotFoundException($"The item factor table '{path}' is missing.", path);
            }

            if (info.Length != expectedBytes)
            {
                throw new InvalidDataException($"The item factor table '{path}' has {info.Length} bytes; its shape needs {expectedBytes}.");
            }

            var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            try
            {
                return new MappedBuffer(file, file.CreateViewAccessor(0, expectedBytes, MemoryMappedFileAccess.Read));
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }

        public override void Dispose()
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _file.Dispose();
        }
    }
}
