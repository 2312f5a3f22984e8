using System.Text;

namespace RecoGrid.Abstractions;

/// <summary>A hash of strings that is the same in every process (string.GetHashCode is randomized per process).</summary>
public static class ShardHash
{
    /// <summary>64-bit FNV-1a of the UTF-8 bytes of <paramref name="value"/>.</summary>
    public static ulong Of(string value)
    {
        const ulong offset = 14695981039346656037UL;
        const ulong prime = 1099511628211UL;
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetMaxByteCount(value.Length) <= buffer.Length
            ? buffer[..Encoding.UTF8.GetBytes(value, buffer)]
            : Encoding.UTF8.GetBytes(value);
        var hash = offset;
        foreach (var b in bytes)
        {
            hash ^= b;
            hash *= prime;
        }

        // FNV's low bits mix poorly for short keys; a final avalanche spreads them before a modulo.
        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        return hash;
    }

    /// <summary>The shard, in [0, <paramref name="shards"/>), that owns <paramref name="key"/>.</summary>
    public static int Shard(string key, int shards) => (int)(Of(key) % (ulong)shards);
}
