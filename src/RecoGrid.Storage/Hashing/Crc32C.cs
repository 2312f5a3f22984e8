using System.Buffers.Binary;
using System.Runtime.InteropServices;
using ArmCrc = System.Runtime.Intrinsics.Arm.Crc32;
using X86Crc = System.Runtime.Intrinsics.X86.Sse42;

namespace RecoGrid.Storage.Hashing;

/// <summary>CRC-32C (Castagnoli), the checksum of iSCSI, ext4 and Kafka record batches, with hardware acceleration where the CPU has it.</summary>
public static class Crc32C
{
    // Reflected form of the Castagnoli polynomial 0x1EDC6F41.
    private const uint Polynomial = 0x82F63B78;
    private static readonly uint[] Table = BuildTable();

    /// <summary>The CRC-32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Continues <paramref name="crc"/> (a CRC returned by this class) over <paramref name="data"/>: <c>Append(Compute(a), b) == Compute(a + b)</c>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var state = ~crc;
        if (X86Crc.X64.IsSupported)
        {
            state = UpdateSse42(state, data);
        }
        else if (ArmCrc.Arm64.IsSupported)
        {
            state = UpdateArm64(state, data);
        }
        else
        {
            state = UpdateTable(state, data);
        }

        return ~state;
    }

    // The portable path, exposed so tests can check it against the hardware path on machines that have one.
    internal static uint ComputeWithTable(ReadOnlySpan<byte> data) => ~UpdateTable(uint.MaxValue, data);

    private static uint UpdateSse42(uint state, ReadOnlySpan<byte> data)
    {
        ulong wide = state;
        var words = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (var word in words)
        {
            // CRC-32C is defined over bytes in order; the instruction consumes the word little-end first.
            wide = X86Crc.X64.Crc32(wide, BitConverter.IsLittleEndian ? word : BinaryPrimitives.ReverseEndianness(word));
        }

        state = (uint)wide;
        foreach (var b in data[(words.Length * sizeof(ulong))..])
        {
            state = X86Crc.Crc32(state, b);
        }

        return state;
    }

    private static uint UpdateArm64(uint state, ReadOnlySpan<byte> data)
    {
        var words = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (var word in words)
        {
            state = ArmCrc.Arm64.ComputeCrc32C(state, BitConverter.IsLittleEndian ? word : BinaryPrimitives.ReverseEndianness(word));
        }

        foreach (var b in data[(words.Length * sizeof(ulong))..])
        {
            state = ArmCrc.ComputeCrc32C(state, b);
        }

        return state;
    }

    private static uint UpdateTable(uint state, ReadOnlySpan<byte> data)
    {
        var table = Table;
        foreach (var b in data)
        {
            state = table[(byte)(state ^ b)] ^ (state >> 8);
        }

        return state;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < table.Length; i++)
        {
            var entry = i;
            for (var bit = 0; bit < 8; bit++)
            {
                entry = (entry & 1) != 0 ? (entry >> 1) ^ Polynomial : entry >> 1;
            }

            table[i] = entry;
        }

        return table;
    }
}
