using System.Security.Cryptography;
using System.Text;

namespace RecoGrid.Training.Artifacts;

/// <summary>Checksums for artifact files, and the 64-bit id hash of the user index.</summary>
internal static class ArtifactHashing
{
    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    /// <summary>FNV-1a 64 of the id's UTF-8 bytes.</summary>
    public static ulong HashId(ReadOnlySpan<byte> utf8)
    {
        var hash = FnvOffset;
        foreach (var b in utf8)
        {
            hash = (hash ^ b) * FnvPrime;
        }

        return hash;
    }

    public static ulong HashId(string id)
    {
        var count = Encoding.UTF8.GetByteCount(id);
        Span<byte> buffer = count <= 512 ? stackalloc byte[count] : new byte[count];
        Encoding.UTF8.GetBytes(id, buffer);
        return HashId(buffer);
    }

    /// <summary>Streams the file through SHA-256; returns its length and lowercase hex digest.</summary>
    public static ArtifactFileEntry HashFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        var digest = SHA256.HashData(stream);
        return new ArtifactFileEntry(stream.Length, Convert.ToHexStringLower(digest));
    }
}

/// <summary>A file stream that hashes what it writes, so a checksum costs no second read.</summary>
internal sealed class HashingFileWriter : IDisposable
{
    private readonly FileStream _stream;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public HashingFileWriter(string path) =>
        _stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);

    public long Length => _stream.Length;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        _hash.AppendData(bytes);
        _stream.Write(bytes);
    }

    public ArtifactFileEntry Complete()
    {
        _stream.Flush(flushToDisk: true);
        return new ArtifactFileEntry(_stream.Length, Convert.ToHexStringLower(_hash.GetHashAndReset()));
    }

    public void Dispose()
    {
        _stream.Dispose();
        _hash.Dispose();
    }
}
