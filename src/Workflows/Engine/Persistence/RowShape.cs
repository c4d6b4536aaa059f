using Npgsql;
using NpgsqlTypes;

namespace AntiDrugFlow.Workflows.Persistence;

/// <summary>A table's columns as an INSERT writes them: names and PostgreSQL types (text, jsonb, json, timestamptz, uuid, integer).</summary>
public sealed class RowShape
{
    private readonly (string Name, string Type)[] _columns;

    public RowShape(params (string Name, string Type)[] columns)
    {
        _columns = columns;
        Names = string.Join(", ", columns.Select(c => c.Name));
    }

    /// <summary>These columns followed by <paramref name="more"/>.</summary>
    public RowShape With(params (string Name, string Type)[] more) => new([.. _columns, .. more]);

    /// <summary>The column names, comma separated, in order.</summary>
    public string Names { get; }

    /// <summary>
    /// A query yielding <paramref name="rows"/> (each value in column order; DateTimeOffset, <see cref="Jsonb"/> and null
    /// as they are), with its parameters added to <paramref name="command"/>: one row as <c>SELECT $1, $2, …</c>, several as
    /// <c>unnest</c> of one typed array per column, so any number of rows is one statement. One row avoids unnest because
    /// the function scan costs PostgreSQL more than the row itself. Every parameter is typed, nulls too, so the statement
    /// is prepared once per connection whatever the values.
    /// </summary>
    public string Source(NpgsqlBatchCommand command, IReadOnlyList<object?[]> rows)
    {
        var first = command.Parameters.Count + 1;
        var placeholders = new string[_columns.Length];
        for (var i = 0; i < _columns.Length; i++)
        {
            var (_, type) = _columns[i];
            var dbType = DbType(type);
            command.Parameters.Add(rows.Count == 1
                ? new NpgsqlParameter { Value = Value(rows[0][i]) ?? DBNull.Value, NpgsqlDbType = dbType }
                : new NpgsqlParameter { Value = Column(type, rows, i), NpgsqlDbType = NpgsqlDbType.Array | dbType });
            placeholders[i] = rows.Count == 1 ? $"${first + i}" : $"${first + i}::{type}[]";
        }

        return rows.Count == 1 ? "SELECT " + string.Join(", ", placeholders) : $"SELECT * FROM unnest({string.Join(", ", placeholders)})";
    }

    /// <summary><c>INSERT INTO table (columns) source tail</c> for <paramref name="rows"/> (at least one); see <see cref="Source"/>.</summary>
    public NpgsqlBatchCommand Insert(string table, IReadOnlyList<object?[]> rows, string tail = "")
    {
        var command = new NpgsqlBatchCommand();
        command.CommandText = $"INSERT INTO {table} ({Names}) {Source(command, rows)} {tail}".TrimEnd();
        return command;
    }

    private static NpgsqlDbType DbType(string type) => type switch
    {
        "text" => NpgsqlDbType.Text,
        "jsonb" => NpgsqlDbType.Jsonb,
        "json" => NpgsqlDbType.Json,
        "timestamptz" => NpgsqlDbType.TimestampTz,
        "uuid" => NpgsqlDbType.Uuid,
        "integer" => NpgsqlDbType.Integer,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "no parameter type for this column type"),
    };

    private static object? Value(object? value) => value switch
    {
        DateTimeOffset at => at.UtcDateTime,
        Jsonb json => json.Text,
        _ => value,
    };

    private static Array Column(string type, IReadOnlyList<object?[]> rows, int i) => type switch
    {
        "timestamptz" => rows.Select(r => (DateTime?)Value(r[i])).ToArray(),
        "uuid" => rows.Select(r => (Guid?)r[i]).ToArray(),
        "integer" => rows.Select(r => (int?)r[i]).ToArray(),
        _ => rows.Select(r => (string?)Value(r[i])).ToArray(),
    };
}
